"""API Gateway checks: cache keys, CORS, and integrations that invoke an alias.

They read the OpenAPI document of each REST API (review.apidoc says where
it came from: the plan's body, or on a first plan the contract rendered
with the plan's inputs) and the method settings that turn caching on.
"""

from __future__ import annotations

import json
import re

from review.apidoc import FUNCTION_PLACEHOLDER, ApiDocument, Operation
from review.context import LAMBDA_URI, Context
from review.model import Outcome, check
from review.plan import UNKNOWN

ORIGIN_KEY = "method.request.header.origin"


# UpdateStage's patch paths are JSON Pointers: a method's settings live
# under <resource path, each "/" written "~1">/<METHOD> (GetStage returns the
# same keys), or */* for the stage. The provider passes method_path as is.
# https://docs.aws.amazon.com/apigateway/latest/api/patch-operations.html
# https://github.com/hashicorp/terraform-provider-aws/issues/9738
METHOD_PATH = re.compile(r"^(?:\*|(?:~1[^/]*)+)/(?:[A-Z]+|\*)$")


def split_method_path(path: str) -> tuple[str, str]:
    """("/v1/products/{id}", "GET") for "~1v1~1products~1{id}/GET"; ("*", "*") for "*/*"."""
    resource, _, method = path.rpartition("/")
    return (resource if resource == "*" else resource.replace("~1", "/")), method


def escaped_method_path(path: str, method: str) -> str:
    """The method path AWS reads for one method: "~1v1~1products/GET"."""
    return f"{path.replace('/', '~1')}/{method}"


def _cached_operations(ctx: Context, doc: ApiDocument, out: Outcome) -> dict[str, tuple]:
    """Operations that are cached: by a method setting of the stage, or x-shop-cache: true."""
    cached: dict[str, tuple[Operation, str]] = {}
    for op in doc.operations():
        if op.spec.get("x-shop-cache") is True:
            cached[op.key] = (op, "x-shop-cache: true")
    for setting in ctx.plan.of_type("aws_api_gateway_method_settings"):
        if setting.module != doc.rest_api.module:
            continue
        enabled = setting.value("settings", 0, "caching_enabled")
        path = setting.value("method_path")
        if enabled is UNKNOWN or path is UNKNOWN:
            out.cannot_verify(setting.address, "whether it enables caching is known after apply")
            continue
        if enabled is not True or not isinstance(path, str):
            continue
        if not METHOD_PATH.match(path):
            continue  # AWS applies it to no method (method-settings-path fails it)
        resource, method = split_method_path(path)
        matches = [
            op
            for op in doc.operations()
            if (resource == "*" and op.method == "GET")
            or (op.path == resource and method in (op.method, "*"))
        ]
        if not matches:
            out.cannot_verify(
                setting.address, f"it caches {path}, which {doc.source} does not declare"
            )
        for op in matches:
            cached[op.key] = (op, f"cached by {setting.address}")
    return cached


def _precondition_note(ctx: Context, doc: ApiDocument) -> str:
    for entry in ctx.plan.data.get("checks", []):
        if entry.get("address", {}).get("to_display") == doc.rest_api.address.split("[")[0]:
            status = entry.get("status")
            return f"; Terraform's own preconditions on {doc.rest_api.address}: {status}"
    return ""


def _readable(ctx: Context, out: Outcome):
    """Yield the API documents the plan lets us read; each other one cannot be verified."""
    for doc in ctx.documents:
        if doc.document is None:
            out.cannot_verify(doc.rest_api.address, doc.problem)
        else:
            yield doc


@check("cache-key-params")
def cache_key_params(ctx: Context, out: Outcome) -> None:
    """Cached GETs key on every query-string and path parameter

    A cache key that misses a parameter serves ?p1=1&p2=2's answer to ?p1=29&p2=28.
    """
    if not ctx.documents:
        out.cannot_verify("(plan)", "no REST API in the plan")
    for doc in _readable(ctx, out):
        cached = _cached_operations(ctx, doc, out)
        if not cached:
            out.saw(f"nothing is cached in {doc.source}")
        for op, why in cached.values():
            varying = [p for p in op.parameters if p.location in ("query", "path")]
            missing = [p for p in varying if p.request_key not in op.cache_key]
            if missing:
                names = ", ".join(p.request_key for p in missing)
                out.fail(
                    doc.rest_api.address,
                    f"{op.key} is cached ({why}) but its cacheKeyParameters miss {names}: "
                    f"requests differing only in {', '.join(p.name for p in missing)} get one "
                    "cached answer.",
                )
            else:
                out.saw(f"{op.key}: {len(varying)} query/path parameter(s), all in the cache key")
        if cached:
            out.saw(f"source: {doc.source}{_precondition_note(ctx, doc)}")


@check("method-settings-path")
def method_settings_path(ctx: Context, out: Outcome) -> None:
    """Per-method settings name their method the way AWS reads it

    A method path AWS cannot read leaves the method on the stage defaults: no cache, no TTL.
    """
    settings = ctx.plan.of_type("aws_api_gateway_method_settings")
    if not ctx.documents:
        out.cannot_verify("(plan)", "no REST API in the plan")
    elif not settings:
        out.saw("no method settings in the plan: every method keeps the stage defaults")
    for setting in settings:
        path = setting.value("method_path")
        if path is UNKNOWN or not isinstance(path, str):
            out.cannot_verify(setting.address, "its method_path is known after apply")
        elif METHOD_PATH.match(path):
            out.saw(f"{setting.address}: {path}")
        else:
            resource, _, method = path.rpartition("/")
            wanted = escaped_method_path("/" + resource.strip("/").replace("~1", "/"), method)
            out.fail(
                setting.address,
                f"method_path {path!r} is not a path AWS reads: UpdateStage takes the resource "
                f"path with every '/' written '~1', so write {wanted!r} (or '*/*' for every "
                "method); as it is, the provider reads back nothing ('empty result') and the "
                "method keeps the stage defaults.",
            )


def _answers_cors(ctx: Context, doc: ApiDocument) -> str | None:
    """Why responses vary by Origin, or None when nothing says they do."""
    responses = doc.document.get("x-amazon-apigateway-gateway-responses") or {}
    if any("Access-Control-Allow-Origin" in json.dumps(r) for r in responses.values()):
        return "the API answers CORS (gateway responses carry Access-Control-Allow-Origin)"
    if any(op.method == "OPTIONS" for op in doc.operations()):
        return "the API answers CORS preflights"
    return None


@check("cors-origin-cache-key")
def cors_origin_cache_key(ctx: Context, out: Outcome) -> None:
    """Responses that vary by Origin key the cache on Origin

    Echoed CORS origins cached without Origin in the key leak one site's answer to another.
    """
    if not ctx.documents:
        out.cannot_verify("(plan)", "no REST API in the plan")
    for doc in _readable(ctx, out):
        cached = _cached_operations(ctx, doc, Outcome("ignored"))
        if not cached:
            out.saw(f"nothing is cached in {doc.source}")
        api_cors = _answers_cors(ctx, doc)
        for op, why in cached.values():
            declared = any(
                p.location == "header" and p.name.lower() == "origin" for p in op.parameters
            )
            varies = "it declares an Origin header" if declared else api_cors
            if varies is None:
                out.saw(f"{op.key}: responses do not vary by Origin")
                continue
            if ORIGIN_KEY not in (k.lower() for k in op.cache_key):
                out.fail(
                    doc.rest_api.address,
                    f"{op.key} is cached ({why}) and its responses vary by Origin ({varies}), "
                    "but method.request.header.Origin is not in its cacheKeyParameters: one "
                    "origin's Access-Control-Allow-Origin is served to the others.",
                )
            else:
                out.saw(f"{op.key}: Origin is in the cache key ({varies})")


_TOKEN = re.compile(r"[\"',\s()]+")


def _wildcards(values) -> list[str]:
    return [v for v in values if isinstance(v, str) and "*" in v]


def _origin_tokens(text: str) -> list[str]:
    """Origin-like tokens of a mapping template or header value (`*`, scheme://host)."""
    return [t for t in _TOKEN.split(text) if t == "*" or "://" in t]


def _document_origins(doc: ApiDocument) -> list[tuple[str, list[str]]]:
    """(where, origin values) of the gateway responses and the preflight answers."""
    found = []
    responses = doc.document.get("x-amazon-apigateway-gateway-responses") or {}
    for name, response in responses.items():
        for header, value in (response.get("responseParameters") or {}).items():
            if header.lower().endswith("access-control-allow-origin"):
                found.append((f"gateway response {name}", [str(value).strip("'")]))
    for op in doc.operations():
        if op.method != "OPTIONS":
            continue
        for status, response in (op.integration.get("responses") or {}).items():
            values = []
            for header, value in (response.get("responseParameters") or {}).items():
                if header.lower().endswith("access-control-allow-origin"):
                    values.append(str(value).strip("'"))
            for template in (response.get("responseTemplates") or {}).values():
                values += _origin_tokens(str(template))
            found.append((f"preflight {op.key} ({status})", values))
    return found


@check("cors-prod-wildcard")
def cors_prod_wildcard(ctx: Context, out: Outcome) -> None:
    """No `*` CORS origin in prod

    Access-Control-Allow-Origin: * in production lets any site read the API from a browser.
    """
    if not ctx.prod:
        out.not_applicable(f"prod only; {ctx.stage} may allow any origin (design decision 7)")
        return
    configs = 0
    for parameter in ctx.plan.of_type("aws_ssm_parameter"):
        value = parameter.value("value")
        if value is UNKNOWN:
            continue
        try:
            document = json.loads(value) if isinstance(value, str) else None
        except ValueError:
            continue
        if not isinstance(document, dict):
            continue
        for key, origins in document.items():
            if "cors" in key.lower() or "origin" in key.lower():
                configs += 1
                origins = origins if isinstance(origins, list) else [origins]
                if _wildcards(origins):
                    out.fail(
                        parameter.address,
                        f"the functions' config ({key}) allows {_wildcards(origins)} in prod",
                    )
                else:
                    out.saw(f"{parameter.address} {key}: {', '.join(map(str, origins))}")
    if not configs:
        out.cannot_verify(
            "(plan)", "no SSM parameter in the plan carries the functions' CORS allowlist"
        )
    for function in ctx.functions:
        env = ctx.environment(function) or {}
        for key, value in env.items():
            if re.search("CORS|ORIGIN", key) and isinstance(value, str) and "*" in value:
                out.fail(function.address, f"environment {key}={value} allows `*` in prod")
    for doc in _readable(ctx, out):
        for where, values in _document_origins(doc):
            if any("{{" in v for v in values):
                out.cannot_verify(doc.rest_api.address, f"{where}: origins are not rendered yet")
            elif _wildcards(values):
                out.fail(doc.rest_api.address, f"{where} answers origin `*` in prod")
            else:
                out.saw(f"{where}: {', '.join(values) or 'no origin'}")
        out.saw(f"source: {doc.source}")
    for resource in ctx.plan.of_type(
        "aws_api_gateway_gateway_response", "aws_api_gateway_integration_response"
    ):
        params = resource.value("response_parameters")
        if isinstance(params, dict):
            for header, value in params.items():
                if header.lower().endswith("access-control-allow-origin") and "*" in str(value):
                    out.fail(resource.address, f"{header} = {value} in prod")


STAGE_VARIABLE = re.compile(r"\$\{stageVariables\.([A-Za-z0-9_]+)\}")


def _qualifier_problem(ctx: Context, function: str, qualifier, wanted: set[str]) -> str | None:
    """What is wrong with invoking function:qualifier; stage variables go into `wanted`."""
    if qualifier is None or qualifier == "$LATEST":
        return f"invokes {function} unqualified ($LATEST): every stage runs the newest code"
    if re.fullmatch(r"\d+", qualifier):
        return f"pins {function} to version {qualifier} instead of the stage's alias"
    variable = STAGE_VARIABLE.fullmatch(qualifier)
    if variable:
        wanted.add(variable.group(1))
        return None
    known = set().union(*ctx.aliases.values()) if ctx.aliases else set()
    if qualifier not in known:
        return f"invokes {function}:{qualifier}, and {qualifier} is not an alias in this plan"
    return None


def _split_target(target: str) -> tuple[str, str | None]:
    """(label, qualifier) of the function part of a Lambda integration URI."""
    if target.startswith(FUNCTION_PLACEHOLDER):
        rest = target[len(FUNCTION_PLACEHOLDER) :]
        return "the api function (ARN known after apply)", rest[1:] if rest.startswith(
            ":"
        ) else None
    parts = target.split(":")
    if target.startswith("arn:"):
        return ":".join(parts[:7]), parts[7] if len(parts) > 7 else None
    return parts[0], parts[1] if len(parts) > 1 else None


def _stage_variables(ctx: Context, wanted: set[str], out: Outcome) -> None:
    """Every stage defines the variables the URIs use, naming an alias of the plan."""
    aliases = set().union(*ctx.aliases.values()) if ctx.aliases else set()
    for stage in ctx.plan.of_type("aws_api_gateway_stage"):
        for name in sorted(wanted):
            value = stage.value("variables", name)
            if value is UNKNOWN:
                out.cannot_verify(stage.address, f"stage variable {name} is known after apply")
            elif not value:
                out.fail(
                    stage.address,
                    f"the integrations invoke :${{stageVariables.{name}}} but stage "
                    f"{stage.value('stage_name')} defines no variable {name}: every call fails",
                )
            elif value not in aliases:
                out.fail(stage.address, f"stage variable {name} = {value} names no alias")
            else:
                out.saw(f"{stage.address}: {name} = {value}, an alias in this plan")


@check("integration-qualified-arn")
def integration_qualified_arn(ctx: Context, out: Outcome) -> None:
    """API integrations invoke a Lambda alias, not $LATEST

    An unqualified integration ARN runs $LATEST in every stage: no per-stage alias, no rollback.
    """
    wanted: set[str] = set()
    for doc in _readable(ctx, out):
        count = 0
        for op in doc.operations():
            match = LAMBDA_URI.search(str(op.integration.get("uri", "")))
            if not match:
                continue
            count += 1
            label, qualifier = _split_target(match.group("function"))
            problem = _qualifier_problem(ctx, label, qualifier, wanted)
            if problem:
                out.fail(doc.rest_api.address, f"{op.key}: {problem}")
            else:
                out.saw(f"{op.key} -> {label}:{qualifier}")
        if count:
            out.saw(f"{count} Lambda integration(s) in {doc.source}")
    for integration in ctx.plan.of_type("aws_api_gateway_integration"):
        uri = integration.value("uri")
        match = LAMBDA_URI.search(uri) if isinstance(uri, str) else None
        if match:
            label, qualifier = _split_target(match.group("function"))
            problem = _qualifier_problem(ctx, label, qualifier, wanted)
            if problem:
                out.fail(integration.address, problem)
            else:
                out.saw(f"{integration.address} -> {label}:{qualifier}")
        elif uri is UNKNOWN:
            link = ctx.plan.link(integration, "uri")
            if link and link.type == "aws_lambda_alias":
                out.saw(f"{integration.address} -> an alias's invoke_arn")
            elif link and link.type == "aws_lambda_function":
                out.fail(
                    integration.address,
                    f"uri is the function's {link.attribute}, not an alias's invoke_arn",
                )
            else:
                out.cannot_verify(integration.address, "its uri is known after apply")
    _stage_variables(ctx, wanted, out)
    if not ctx.documents and not ctx.plan.of_type("aws_api_gateway_integration"):
        out.not_applicable("no API Gateway integration in the plan")
