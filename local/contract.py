"""The contract as API Gateway sees it: routes, integrations, keys, cache keys.

Reads `api/openapi.yaml` the way Terraform imports it: YAML anchors
inlined, `x-shop-integrations` dropped and the `{{placeholders}}` filled in
(here with the local stage's values). Each path and method becomes a
`Route` carrying exactly what the gateway enforces: the integration (a
Lambda proxy or a mock preflight), whether an API key is required, the
request validator, the required parameters, the body model and the cache
key parameters.
"""

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

import yaml

HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
_FUNCTION_URI = re.compile(r"/functions/(?P<arn>.+)/invocations$")


@dataclass(frozen=True)
class Param:
    name: str
    location: str  # query, path or header
    required: bool


@dataclass(frozen=True)
class Route:
    resource: str
    method: str
    operation_id: str
    integration: dict
    needs_api_key: bool
    validate_params: bool
    validate_body: bool
    params: tuple[Param, ...]
    body_schema: dict | None  # JSON Schema with every $ref inlined
    cached: bool
    cache_key: tuple[str, ...]  # e.g. method.request.querystring.page
    pattern: re.Pattern = field(compare=False, repr=False)

    @property
    def is_proxy(self) -> bool:
        return self.integration.get("type") == "aws_proxy"

    def function_arn(self, stage_variables: dict) -> str:
        """Return the qualified function ARN the integration URI names."""
        found = _FUNCTION_URI.search(self.integration.get("uri", ""))
        if not found:
            raise ValueError(f"{self.method} {self.resource}: no Lambda function in its URI")
        arn = found.group("arn")
        for name, value in stage_variables.items():
            arn = arn.replace("${stageVariables." + name + "}", value)
        return arn


class Contract:
    """The rendered document and its routes."""

    def __init__(self, document: dict):
        self.document = document
        self.routes = [r for r in _routes(document)]
        self.gateway_responses = document.get("x-amazon-apigateway-gateway-responses", {})
        self._by_resource: dict[str, dict[str, Route]] = {}
        for route in self.routes:
            self._by_resource.setdefault(route.resource, {})[route.method] = route

    def match(self, method: str, path: str) -> tuple[Route | None, dict[str, str]]:
        """Return the route for `method` and `path` and its path parameters (None if none).

        `path` is the request's path as sent, still percent-encoded: an encoded
        slash (%2F) stays inside its segment, and each parameter is decoded
        after matching, so `/v1/products/1%2F2` is product "1/2", never the
        route `/v1/products/1/2`. Literal segments win over parameters, as in
        API Gateway.
        """
        candidates = []
        for resource, methods in self._by_resource.items():
            found = next(iter(methods.values())).pattern.fullmatch(path)
            if found:
                params = {k: unquote(v) for k, v in found.groupdict().items()}
                candidates.append((resource.count("{"), resource, params))
        for _, resource, params in sorted(candidates):
            route = self._by_resource[resource].get(method)
            if route is not None:
                return route, params
        return None, {}

    def operation(self, operation_id: str) -> Route:
        return next(r for r in self.routes if r.operation_id == operation_id)


def load(path: Path, placeholders: dict[str, str]) -> Contract:
    """Return the contract at `path` with `{{name}}` placeholders filled in."""
    return Contract(render(yaml.safe_load(Path(path).read_text(encoding="utf-8")), placeholders))


def render(raw: dict, placeholders: dict[str, str]) -> dict:
    """Return the document as Terraform imports it (see terraform/modules/api)."""
    text = json.dumps({k: v for k, v in raw.items() if k != "x-shop-integrations"})
    for name, value in placeholders.items():
        text = text.replace("{{" + name + "}}", value)
    return json.loads(text)


def resolve(document: dict, node):
    """Follow local `$ref`s until a node is not a reference."""
    while isinstance(node, dict) and "$ref" in node:
        target = document
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def inline(document: dict, node):
    """Return `node` with every local `$ref` replaced by what it names."""
    node = resolve(document, node)
    if isinstance(node, dict):
        return {k: inline(document, v) for k, v in node.items()}
    if isinstance(node, list):
        return [inline(document, v) for v in node]
    return node


def _routes(document: dict):
    validators = document.get("x-amazon-apigateway-request-validators", {})
    default_validator = document.get("x-amazon-apigateway-request-validator")
    for resource, item in document.get("paths", {}).items():
        shared = item.get("parameters", [])
        for method, op in item.items():
            if method not in HTTP_METHODS:
                continue
            integration = op.get("x-amazon-apigateway-integration", {})
            validator = validators.get(
                op.get("x-amazon-apigateway-request-validator", default_validator), {}
            )
            params = tuple(
                Param(p["name"], p["in"], bool(p.get("required", p["in"] == "path")))
                for p in (resolve(document, raw) for raw in [*shared, *op.get("parameters", [])])
            )
            body = None
            if "requestBody" in op:
                content = resolve(document, op["requestBody"]).get("content", {})
                schema = content.get("application/json", {}).get("schema")
                body = inline(document, schema) if schema else None
            yield Route(
                resource=resource,
                method=method.upper(),
                operation_id=op.get("operationId", f"{method} {resource}"),
                integration=integration,
                needs_api_key=bool(op.get("security", document.get("security"))),
                validate_params=bool(validator.get("validateRequestParameters")),
                validate_body=bool(validator.get("validateRequestBody")),
                params=params,
                body_schema=body,
                cached=bool(op.get("x-shop-cache", False)),
                cache_key=tuple(integration.get("cacheKeyParameters", [])),
                pattern=_template_regex(resource),
            )


def _template_regex(resource: str) -> re.Pattern:
    parts = re.split(r"(\{[^}/]+\})", resource)
    regex = "".join(f"(?P<{p[1:-1]}>[^/]+)" if p.startswith("{") else re.escape(p) for p in parts)
    return re.compile(regex)
