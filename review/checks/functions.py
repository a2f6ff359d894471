"""Who may invoke the functions, and through what: permissions and schedules.

A permission must name one alias (its qualifier) and one source: for API
Gateway `<execution_arn>/<stage>/<METHOD>/<path>` of a declared route, for
EventBridge its own rule. On a first plan a permission's `source_arn` is
unknown; its configuration still shows what it is built from (the REST
API's `execution_arn`, the rule's `arn`), and a root output that documents
each route's `execute_api_path` (the api module's `api_routes`) shows the
suffix. The resource policy size is an estimate: ARNs that do not exist
yet are counted at their usual length.
"""

from __future__ import annotations

import json
import re

from review.context import Context, function_name
from review.model import Outcome, check
from review.plan import UNKNOWN, Resource

POLICY_LIMIT = 20 * 1024
POLICY_THRESHOLD = 0.8
HTTP_VERBS = {"GET", "PUT", "POST", "DELETE", "PATCH", "HEAD", "OPTIONS"}
EXECUTE_API = re.compile(r"^arn:[^:]+:execute-api:[^:]*:[^:]*:(?P<api>[^/]+)/(?P<scope>.*)$")
EVENT_RULE = re.compile(r"^arn:[^:]+:events:[^:]+:\d{12}:rule/[^*]+$")


def _qualifier(ctx: Context, permission: Resource, out: Outcome) -> str | None:
    """Check the qualifier names one alias of the function; return it (None if not)."""
    target = permission.value("function_name")
    qualifier = permission.value("qualifier")
    if isinstance(target, str) and target.startswith("arn:") and len(target.split(":")) > 7:
        qualifier = target.split(":")[7]
    if qualifier is UNKNOWN or target is UNKNOWN:
        out.cannot_verify(permission.address, "its function or qualifier is known after apply")
        return None
    name = function_name(target)
    if not qualifier:
        out.fail(
            permission.address,
            f"no qualifier: it grants {name} itself (the unqualified function, $LATEST) rather "
            f'than one alias; set qualifier = "{ctx.stage}"',
        )
        return None
    if qualifier not in ctx.aliases.get(name, set()):
        out.fail(
            permission.address,
            f"qualifier {qualifier} is not an alias of {name} in this plan "
            f"(aliases: {sorted(ctx.aliases.get(name, set())) or 'none'})",
        )
        return None
    return qualifier


def _api_scope(ctx: Context, permission: Resource, out: Outcome) -> tuple[str, str] | None:
    """(stage/METHOD/path the permission allows, how it is known); None after a finding."""
    source = permission.value("source_arn")
    if isinstance(source, str) and source:
        match = EXECUTE_API.match(source)
        if not match or match.group("api") == "*":
            out.fail(permission.address, f"source_arn {source} is not scoped to one REST API")
            return None
        return match.group("scope"), "source_arn in the plan"
    if source is None or source == "":
        out.fail(
            permission.address,
            "no source_arn: any API Gateway API, in any account, may invoke the function",
        )
        return None
    link = ctx.plan.link(permission, "source_arn")
    documented = ctx.output_route(permission.index)
    if not link or link.type != "aws_api_gateway_rest_api" or link.attribute != "execution_arn":
        out.cannot_verify(
            permission.address,
            "source_arn is known after apply and is not built from a REST API's execution_arn",
        )
        return None
    if documented is None:
        out.cannot_verify(
            permission.address,
            "source_arn is known after apply and no output documents the route it is scoped to",
        )
        return None
    output, scope = documented
    api = link.targets[0].address if link.exact else link.type
    return scope, f"source_arn known after apply: {api}.execution_arn + /{scope} (output {output})"


def _judge_api_scope(ctx: Context, permission: Resource, scope: str, out: Outcome) -> bool:
    stage, _, rest = scope.partition("/")
    method, _, path = rest.partition("/")
    problems = []
    if stage != ctx.stage:
        problems.append(f"stage `{stage}` instead of `{ctx.stage}`")
    if method not in HTTP_VERBS:
        problems.append(f"method `{method or '(none)'}`")
    routes = ctx.route_scopes
    wanted = f"{method}/{path}"
    if routes is None:
        out.cannot_verify(permission.address, "the API's routes are not visible to compare with")
        return False
    if method in HTTP_VERBS and wanted not in routes:
        problems.append(f"path `/{path}` is not one route of the API")
    if problems:
        out.fail(
            permission.address,
            f"API Gateway may invoke it for <execution_arn>/{scope}: {'; '.join(problems)}. "
            f"Grant exactly <execution_arn>/{ctx.stage}/<METHOD>/<path> of one route.",
        )
        return False
    return True


@check("lambda-permission-scope")
def lambda_permission_scope(ctx: Context, out: Outcome) -> None:
    """Lambda permissions: one alias, one route or rule

    A grant broader than <stage>/<METHOD>/<path> for one alias lets other stages, methods or
    paths invoke the code.
    """
    permissions = ctx.plan.of_type("aws_lambda_permission")
    if not permissions:
        out.cannot_verify("(plan)", "no aws_lambda_permission in the plan")
    for permission in permissions:
        qualifier = _qualifier(ctx, permission, out)
        action = permission.value("action")
        if action not in ("lambda:InvokeFunction", UNKNOWN):
            out.fail(permission.address, f"action {action} is more than lambda:InvokeFunction")
            continue
        principal = permission.value("principal")
        source = permission.value("source_arn")
        if principal == "apigateway.amazonaws.com":
            found = _api_scope(ctx, permission, out)
            if found and _judge_api_scope(ctx, permission, found[0], out) and qualifier:
                out.saw(f"{permission.address}: alias {qualifier}, {found[0]} ({found[1]})")
        elif principal == "events.amazonaws.com":
            link = ctx.plan.link(permission, "source_arn")
            if isinstance(source, str) and source:
                if EVENT_RULE.match(source):
                    out.saw(f"{permission.address}: alias {qualifier}, rule {source}")
                else:
                    out.fail(permission.address, f"source_arn {source} is not one EventBridge rule")
            elif source is None or source == "":
                out.fail(permission.address, "no source_arn: any EventBridge rule may invoke it")
            elif link and link.type == "aws_cloudwatch_event_rule" and link.exact:
                out.saw(
                    f"{permission.address}: alias {qualifier}, its own rule "
                    f"{link.targets[0].address} (source_arn known after apply: that rule's arn)"
                )
            else:
                out.cannot_verify(permission.address, "its source_arn is known after apply")
        elif source is None or source == "":
            out.fail(permission.address, f"no source_arn for principal {principal}")
        elif isinstance(source, str) and "*" in source:
            out.fail(permission.address, f"source_arn {source} has a wildcard")
        else:
            out.saw(f"{permission.address}: {principal}, alias {qualifier}")


def _statement_size(ctx: Context, permission: Resource) -> int:
    region, account = ctx.region, "123456789012"
    target = permission.value("function_name")
    qualifier = permission.value("qualifier")
    resource = f"arn:aws:lambda:{region}:{account}:function:{function_name(str(target))}"
    if isinstance(qualifier, str) and qualifier:
        resource += f":{qualifier}"
    source = permission.value("source_arn")
    if not isinstance(source, str):
        documented = ctx.output_route(permission.index)
        if permission.value("principal") == "apigateway.amazonaws.com" and documented:
            source = f"arn:aws:execute-api:{region}:{account}:abcdefghij/{documented[1]}"
        else:
            source = f"arn:aws:events:{region}:{account}:rule/" + "x" * 64
    statement = {
        "Sid": permission.value("statement_id") if permission.known("statement_id") else "x" * 64,
        "Effect": "Allow",
        "Principal": {"Service": permission.value("principal")},
        "Action": permission.value("action"),
        "Resource": resource,
        "Condition": {"ArnLike": {"AWS:SourceArn": source}},
    }
    return len(json.dumps(statement, separators=(",", ":")))


@check("lambda-policy-size")
def lambda_policy_size(ctx: Context, out: Outcome) -> None:
    """Resource policies stay clear of Lambda's 20 KB limit

    Past 20 KB AddPermission fails: per-route, per-alias grants must still fit.
    """
    groups: dict[tuple[str, str], list[Resource]] = {}
    for permission in ctx.plan.of_type("aws_lambda_permission"):
        target, qualifier = permission.value("function_name"), permission.value("qualifier")
        key = (function_name(str(target)), qualifier if isinstance(qualifier, str) else "")
        groups.setdefault(key, []).append(permission)
    if not groups:
        out.cannot_verify("(plan)", "no aws_lambda_permission in the plan")
    envelope = len('{"Version":"2012-10-17","Id":"default","Statement":[]}')
    for (name, qualifier), permissions in sorted(groups.items()):
        size = envelope + sum(_statement_size(ctx, p) + 1 for p in permissions)
        label = f"{name}:{qualifier}" if qualifier else name
        share = size / POLICY_LIMIT
        if share > POLICY_THRESHOLD:
            alias = next(
                (
                    a.address
                    for a in ctx.plan.of_type("aws_lambda_alias")
                    if a.value("function_name") == name and a.value("name") == qualifier
                ),
                permissions[-1].address,
            )
            out.fail(
                alias,
                f"the resource policy of {label} would be about {size:,} bytes "
                f"({len(permissions)} statements, {share:.0%} of Lambda's 20 KB limit, "
                f"threshold {POLICY_THRESHOLD:.0%}): split routes across functions before "
                "AddPermission starts failing",
            )
        else:
            out.saw(f"{label}: {len(permissions)} statement(s), ~{size:,} bytes ({share:.0%})")


def _target_problem(ctx: Context, arn: str) -> str | None:
    parts = arn.split(":")
    qualifier = parts[7] if len(parts) > 7 else None
    if qualifier is None or qualifier == "$LATEST":
        return f"targets {arn} unqualified: the schedule runs $LATEST, not the stage's alias"
    if re.fullmatch(r"\d+", qualifier):
        return f"targets version {qualifier} of {parts[6]}, not the stage's alias"
    if qualifier not in ctx.aliases.get(parts[6], set()):
        return f"targets {qualifier}, which is not an alias of {parts[6]} in this plan"
    return None


@check("schedule-alias")
def schedule_alias(ctx: Context, out: Outcome) -> None:
    """Schedules invoke a Lambda alias

    A schedule on the unqualified function runs $LATEST: rollbacks and stages do not apply.
    """
    targets = [(t, ("arn",)) for t in ctx.plan.of_type("aws_cloudwatch_event_target")]
    targets += [(s, ("target", 0, "arn")) for s in ctx.plan.of_type("aws_scheduler_schedule")]
    lambda_targets = 0
    for target, path in targets:
        arn = target.value(*path)
        if isinstance(arn, str):
            if ":lambda:" not in arn:
                continue
            lambda_targets += 1
            problem = _target_problem(ctx, arn)
            if problem:
                out.fail(target.address, problem)
            else:
                out.saw(f"{target.address} -> {arn}")
            continue
        link = ctx.plan.link(target, path[0]) if len(path) == 1 else None
        if link is None:
            out.cannot_verify(target.address, "its target ARN is known after apply")
        elif link.type == "aws_lambda_alias":
            lambda_targets += 1
            names = sorted({str(t.value("name")) for t in link.targets})
            out.saw(f"{target.address} -> alias {', '.join(names)} (ARN known after apply)")
        elif link.type == "aws_lambda_function":
            lambda_targets += 1
            kind = "a version" if link.attribute == "qualified_arn" else "the unqualified function"
            out.fail(target.address, f"targets {kind} ({link.attribute}), not the stage's alias")
    if not lambda_targets and not out.findings:
        out.not_applicable("no schedule targets a Lambda function")
