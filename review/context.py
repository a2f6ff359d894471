"""What every check gets: the plan, the stage, and shared lookups computed once.

Lookups here are facts, not judgements: the API documents, the Lambda
aliases, a function's environment (from the function, or from a root output
that shows it when the function's own value is unknown), the routes the API
declares. Checks decide what those facts mean.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from review import apidoc
from review.plan import UNKNOWN, Plan, Resource

LAMBDA_URI = re.compile(r":lambda:path/[^/]+/functions/(?P<function>.+)/invocations$")


@dataclass
class Context:
    plan: Plan
    stage: str
    repo: Path
    contract: Path | None = None

    @property
    def prod(self) -> bool:
        return self.stage == "prod"

    @cached_property
    def region(self) -> str:
        region = self.plan.variable("region")
        return region if isinstance(region, str) else "us-east-1"

    @cached_property
    def documents(self) -> list[apidoc.ApiDocument]:
        return apidoc.documents(self.plan, self.repo, self.contract)

    @cached_property
    def functions(self) -> list[Resource]:
        return self.plan.of_type("aws_lambda_function")

    def function_label(self, function: Resource) -> str:
        name = function.value("function_name")
        return name if isinstance(name, str) else function.address

    @cached_property
    def aliases(self) -> dict[str, set[str]]:
        """Alias names by function name, for the aliases that exist after apply."""
        found: dict[str, set[str]] = {}
        for alias in self.plan.of_type("aws_lambda_alias"):
            function, name = alias.value("function_name"), alias.value("name")
            if isinstance(function, str) and isinstance(name, str):
                found.setdefault(function_name(function), set()).add(name)
        return found

    def environment(self, function: Resource) -> dict | None:
        """The function's environment variable names and values (values may be UNKNOWN).

        On a first plan a function's whole environment is unknown as soon as
        one value is (e.g. the database host). A root output that shows the
        environment by function name keeps the names known; None when
        neither tells.
        """
        variables = function.value("environment", 0, "variables")
        if isinstance(variables, dict):
            return variables
        if variables is not UNKNOWN and not function.value("environment"):
            return {}
        name = function.value("function_name")
        for after, unknown in self.plan.outputs().values():
            if not isinstance(after, dict):
                continue
            for key, entry in after.items():
                if not (isinstance(entry, dict) and entry.get("name") == name):
                    continue
                env = entry.get("environment")
                flags = _flags(unknown, key, "environment")
                if isinstance(env, dict):
                    return {**env, **{k: UNKNOWN for k, v in flags.items() if v is True}}
        return None

    @cached_property
    def route_scopes(self) -> set[str] | None:
        """METHOD/path scopes of every Lambda-backed operation of every API (None: unknown)."""
        if not self.documents or any(d.document is None for d in self.documents):
            return None
        return {
            op.scope
            for doc in self.documents
            for op in doc.operations()
            if LAMBDA_URI.search(str(op.integration.get("uri", "")))
        }

    def output_route(self, key) -> tuple[str, str] | None:
        """(output name, stage/METHOD/path) a root output documents for a route key, if any.

        The api module's `api_routes` output maps each route key (the
        permission's for_each key) to the execute-api path its permission's
        source_arn ends with; it stays known when source_arn is not.
        """
        for name, (after, unknown) in self.plan.outputs().items():
            if isinstance(after, dict) and isinstance(after.get(key), dict):
                path = after[key].get("execute_api_path")
                if isinstance(path, str) and not _flags(unknown, key).get("execute_api_path"):
                    return name, path
        return None


def function_name(reference: str) -> str:
    """The bare function name of a name, a partial or a full (qualified) ARN."""
    if reference.startswith("arn:"):
        return reference.split(":")[6]
    return reference.split(":")[0]


def _flags(unknown, *path) -> dict:
    """The after_unknown flags under path, as a dict ({} when there are none)."""
    for step in path:
        unknown = unknown.get(step) if isinstance(unknown, dict) else None
    return unknown if isinstance(unknown, dict) else {}
