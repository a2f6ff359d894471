"""Loads the API contract (api/openapi.yaml) and turns it into routes.

The contract is the single source of truth for routes and parameters. In a
built package it sits beside this module as compact JSON (`openapi.json`,
written by the build); from a source checkout `SHOP_CONTRACT_PATH` names the
YAML file. Only operations integrated as `aws_proxy` reach the function:
CORS preflights are answered by the gateway.
"""

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

PACKAGED_CONTRACT = Path(__file__).with_name("openapi.json")


@dataclass(frozen=True)
class Parameter:
    name: str
    location: str  # "query", "path" or "header"
    required: bool
    schema: dict


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    resource: str  # the path template, e.g. /v1/products/{id}
    parameters: tuple[Parameter, ...]
    body_schema: dict | None
    pattern: re.Pattern = field(compare=False, repr=False)


class ContractError(Exception):
    """The contract is missing or not something this router understands."""


def contract_path() -> Path:
    """Return where the contract is: packaged JSON first, else SHOP_CONTRACT_PATH."""
    if PACKAGED_CONTRACT.exists():
        return PACKAGED_CONTRACT
    configured = os.environ.get("SHOP_CONTRACT_PATH")
    if configured:
        return Path(configured)
    raise ContractError(
        f"API contract not found: expected {PACKAGED_CONTRACT} (written by build.py) "
        "or SHOP_CONTRACT_PATH pointing at api/openapi.yaml"
    )


def load_document(path: Path | None = None) -> dict:
    """Read the contract as a dict (JSON, or YAML when the file ends in .yaml/.yml)."""
    path = path or contract_path()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ContractError(f"cannot read the API contract at {path}: {exc}") from exc
    if path.suffix in (".yaml", ".yml"):
        import yaml  # only in source checkouts; packages ship JSON

        return yaml.safe_load(text)
    return json.loads(text)


def resolve(document: dict, node):
    """Follow a local `$ref` (``#/components/...``) once; return other nodes as they are."""
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        if not ref.startswith("#/"):
            raise ContractError(f"only local $ref is supported, got {ref!r}")
        target = document
        for part in ref[2:].split("/"):
            target = target[part]
        node = target
    return node


def operations(document: dict) -> list[Operation]:
    """Return every operation the function serves (integration type aws_proxy)."""
    found = []
    for resource, item in document.get("paths", {}).items():
        shared = item.get("parameters", [])
        for method, spec in item.items():
            if method == "parameters" or not isinstance(spec, dict):
                continue
            integration = spec.get("x-amazon-apigateway-integration", {})
            if integration.get("type") != "aws_proxy":
                continue
            params = tuple(_parameter(document, p) for p in [*shared, *spec.get("parameters", [])])
            body = None
            if "requestBody" in spec:
                content = resolve(document, spec["requestBody"]).get("content", {})
                body = content.get("application/json", {}).get("schema")
            found.append(
                Operation(
                    operation_id=spec["operationId"],
                    method=method.upper(),
                    resource=resource,
                    parameters=params,
                    body_schema=body,
                    pattern=_template_regex(resource),
                )
            )
    return found


def _parameter(document: dict, raw: dict) -> Parameter:
    p = resolve(document, raw)
    return Parameter(
        name=p["name"],
        location=p["in"],
        required=bool(p.get("required", p["in"] == "path")),
        schema=p.get("schema", {}),
    )


def _template_regex(resource: str) -> re.Pattern:
    parts = re.split(r"(\{[^}/]+\})", resource)
    regex = "".join(f"(?P<{p[1:-1]}>[^/]+)" if p.startswith("{") else re.escape(p) for p in parts)
    return re.compile(f"^{regex}$")
