"""The OpenAPI document each REST API is built from, as the plan lets us see it.

When the plan knows the REST API's `body`, that rendered body is the
document (source: "plan"). On a first plan the body is "(known after
apply)": it embeds the api function's ARN. Then, and only then, the
document is the contract the plan was made from (`contract_path`, default
`api/openapi.yaml`) rendered the way the api module renders it, with the
module's inputs as the plan shows them (`region`, `cors_origins`,
`site_origin`, `settings.cors`); `{{api_function_arn}}` stays a
placeholder since that ARN does not exist yet, and the storefront's
origin, a CloudFront domain the api module validates as an https origin,
stands in as a named placeholder. Every check that reads the document says which
source it read.

This module must not judge anything; it only finds and shapes documents.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from review.plan import UNKNOWN, Plan, Resource

HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
FUNCTION_PLACEHOLDER = "{{api_function_arn}}"
PENDING_SITE_ORIGIN = "https://storefront-domain-known-after-apply.cloudfront.net"


@dataclass(frozen=True)
class Parameter:
    name: str
    location: str  # query, path, header, cookie

    @property
    def request_key(self) -> str:
        """API Gateway's name of it, as used in cacheKeyParameters."""
        where = {"query": "querystring"}.get(self.location, self.location)
        return f"method.request.{where}.{self.name}"


@dataclass(frozen=True)
class Operation:
    path: str
    method: str  # upper case
    spec: dict
    parameters: tuple[Parameter, ...]

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def integration(self) -> dict:
        return self.spec.get("x-amazon-apigateway-integration") or {}

    @property
    def cache_key(self) -> list[str]:
        return list(self.integration.get("cacheKeyParameters") or [])

    @property
    def scope(self) -> str:
        """METHOD/path as in an execute-api ARN: each path parameter is one `*`."""
        return f"{self.method}{re.sub(r'{[^}]+}', '*', self.path)}"


@dataclass
class ApiDocument:
    rest_api: Resource
    document: dict | None
    source: str
    from_plan: bool
    problem: str | None = None

    def operations(self) -> list[Operation]:
        if not self.document:
            return []
        found = []
        components = (self.document.get("components") or {}).get("parameters") or {}
        legacy = self.document.get("parameters") or {}
        for path, item in (self.document.get("paths") or {}).items():
            if not isinstance(item, dict):
                continue
            shared = item.get("parameters") or []
            for method, spec in item.items():
                verb = "ANY" if method == "x-amazon-apigateway-any-method" else method.upper()
                if method.lower() not in HTTP_METHODS and verb != "ANY":
                    continue
                params = []
                for raw in [*shared, *(spec.get("parameters") or [])]:
                    if "$ref" in raw:
                        name = raw["$ref"].rsplit("/", 1)[-1]
                        raw = components.get(name) or legacy.get(name) or {}
                    if raw.get("name") and raw.get("in"):
                        params.append(Parameter(raw["name"], raw["in"]))
                found.append(Operation(path, verb, spec, tuple(params)))
        return found

    def operation(self, path: str, method: str) -> Operation | None:
        return next(
            (o for o in self.operations() if o.path == path and o.method == method.upper()), None
        )


def documents(plan: Plan, repo: Path, contract: Path | None = None) -> list[ApiDocument]:
    """One ApiDocument per REST API that exists after apply."""
    apis = plan.of_type("aws_api_gateway_rest_api")
    return [_document(plan, api, repo, contract) for api in apis]


def _document(plan: Plan, api: Resource, repo: Path, contract: Path | None) -> ApiDocument:
    body = api.value("body")
    if isinstance(body, str) and body:
        try:
            parsed = json.loads(body)
        except ValueError:
            parsed = yaml.safe_load(body)
        return ApiDocument(api, parsed, f"the rendered body of {api.address} (from the plan)", True)
    if body is None:
        return ApiDocument(api, None, "", False, f"{api.address} has no OpenAPI body")
    path = contract or _contract_path(plan, repo)
    if path is None or not path.is_file():
        return ApiDocument(
            api,
            None,
            "",
            False,
            f"the body of {api.address} is known after apply and the contract it is "
            f"rendered from ({path or 'contract_path'}) is not readable here",
        )
    rendered = render_contract(path.read_text(), _placeholders(plan, api))
    shown = path.relative_to(repo) if path.is_relative_to(repo) else path
    return ApiDocument(
        api,
        rendered,
        f"{shown} rendered with the plan's inputs (the body of {api.address} is known after "
        "apply: it embeds the api function's ARN)",
        False,
    )


def _contract_path(plan: Plan, repo: Path) -> Path | None:
    configured = plan.variable("contract_path")
    if configured:
        candidate = Path(configured)
        return candidate if candidate.is_absolute() else (repo / "terraform" / candidate)
    return repo / "api" / "openapi.yaml"


def _placeholders(plan: Plan, api: Resource) -> dict[str, str]:
    """Placeholder values the api module fills, from its inputs as the plan shows them."""
    values = {}
    region = plan.module_input(api.module, "region")
    if isinstance(region, str):
        values["{{region}}"] = region
    origins = plan.module_input(api.module, "cors_origins")
    site = plan.module_input(api.module, "site_origin")
    if site is UNKNOWN:
        # The storefront's CloudFront domain exists only after apply; the api
        # module's validation refuses anything but an https origin there.
        site = PENDING_SITE_ORIGIN
    if isinstance(origins, list):
        origins = list(dict.fromkeys([*([site] if isinstance(site, str) else []), *origins]))
        if origins:
            values["{{cors_allowed_origins}}"] = ",".join(origins)
            values["{{cors_primary_origin}}"] = origins[0]
    settings = plan.module_input(api.module, "settings")
    cors = settings.get("cors") if isinstance(settings, dict) else None
    if isinstance(cors, dict):
        for key, name in (("allow_methods", "methods"), ("allow_headers", "headers")):
            if isinstance(cors.get(key), list):
                values[f"{{{{cors_allow_{name}}}}}"] = ",".join(cors[key])
        if cors.get("max_age_seconds") is not None:
            values["{{cors_max_age}}"] = str(cors["max_age_seconds"])
    return {k: v for k, v in values.items() if v is not UNKNOWN}


def render_contract(text: str, placeholders: dict[str, str]) -> dict:
    """yamldecode, drop x-shop-integrations (the anchors' home), fill placeholders.

    The api module also reshapes the body for API Gateway's import (inlined
    responses and parameters, fewer schema keywords, modules/api/body.tf);
    what the checks read (operations, parameter names, integrations, cache
    keys, security) is the same either way, so that step is not repeated here.
    """
    document = yaml.safe_load(text)
    document.pop("x-shop-integrations", None)
    encoded = json.dumps(document)
    for placeholder, value in placeholders.items():
        encoded = encoded.replace(placeholder, json.dumps(value)[1:-1])
    return json.loads(encoded)
