"""Every log group the stack writes to has a retention, including the implicit ones.

Three services create log groups on their own, without retention, when
Terraform does not declare them first: Lambda (`/aws/lambda/<function>`),
API Gateway execution logging (`API-Gateway-Execution-Logs_<api id>/<stage>`)
and RDS log exports (`/aws/rds/instance/<id>/<log>`). Those are checked by
name against the log groups the plan declares. An execution log group's
name contains the REST API's ID, unknown on a first plan; a declared group
whose name is built from the REST API's `id` counts as that group.
"""

from __future__ import annotations

from review.context import Context
from review.model import Outcome, check
from review.plan import UNKNOWN


def _declared(ctx: Context, out: Outcome) -> tuple[set[str], list]:
    """Names of the declared log groups with a retention, and the groups with unknown names."""
    names, unnamed = set(), []
    for group in ctx.plan.of_type("aws_cloudwatch_log_group"):
        retention = group.value("retention_in_days")
        name = group.value("name")
        if retention is UNKNOWN:
            out.cannot_verify(group.address, "retention_in_days is known after apply")
        elif not retention:
            out.fail(
                group.address,
                f"{name if isinstance(name, str) else 'this log group'} has no retention "
                "(retention_in_days unset or 0): its logs are kept, and billed, forever",
            )
        else:
            out.saw(f"{group.address}: {retention} days")
        if isinstance(name, str):
            names.add(name)
        else:
            unnamed.append(group)
    return names, unnamed


def _execution_logging(ctx: Context) -> dict:
    """Stages with API Gateway execution logs on: (module, stage) -> (setting, level).

    Several method settings of one stage share one log group; the stage-wide
    `*/*` setting is named when there is one.
    """
    found: dict = {}
    for setting in ctx.plan.of_type("aws_api_gateway_method_settings"):
        level = setting.value("settings", 0, "logging_level")
        trace = setting.value("settings", 0, "data_trace_enabled")
        if level in ("INFO", "ERROR") or trace is True:
            key = (setting.module, setting.value("stage_name"))
            if key not in found or setting.value("method_path") == "*/*":
                found[key] = (setting, level)
    return found


@check("log-retention")
def log_retention(ctx: Context, out: Outcome) -> None:
    """Log groups have a retention

    Log groups without retention grow, and bill, forever; services create them silently.
    """
    names, unnamed = _declared(ctx, out)
    for function in ctx.functions:
        name = function.value("function_name")
        group = function.value("logging_config", 0, "log_group")
        group = group if isinstance(group, str) and group else f"/aws/lambda/{name}"
        if not isinstance(name, str):
            out.cannot_verify(function.address, "its name, hence its log group, is unknown")
        elif group not in names:
            out.fail(
                function.address,
                f"Lambda writes to {group}, which the plan does not declare: Lambda creates it "
                "on the first invocation with no retention",
            )
        else:
            out.saw(f"{name} logs to {group} (declared)")
    execution = [
        g
        for g in unnamed
        if any(ref.startswith("aws_api_gateway_rest_api.") for ref in g.refs("name"))
    ]
    for (_module, stage), (setting, level) in _execution_logging(ctx).items():
        declared = any(
            n.startswith("API-Gateway-Execution-Logs_") and n.endswith(f"/{stage}") for n in names
        ) or any(g.module == setting.module for g in execution)
        if declared:
            out.saw(f"API Gateway execution logs of stage {stage}: declared")
        else:
            out.fail(
                setting.address,
                f"execution logging ({level}) makes API Gateway create "
                f"API-Gateway-Execution-Logs_<api id>/{stage} with no retention; declare that "
                "log group with retention_in_days",
            )
    for database in ctx.plan.of_type("aws_db_instance"):
        exports = database.value("enabled_cloudwatch_logs_exports")
        identifier = database.value("identifier")
        if not exports:
            continue
        if exports is UNKNOWN or not isinstance(identifier, str):
            out.cannot_verify(database.address, "its log exports or identifier are unknown")
            continue
        missing = [e for e in exports if f"/aws/rds/instance/{identifier}/{e}" not in names]
        if missing:
            out.fail(
                database.address,
                f"RDS exports {', '.join(missing)} to /aws/rds/instance/{identifier}/<log>, "
                "log groups RDS creates with no retention; declare them with retention_in_days",
            )
        else:
            out.saw(f"{database.address}: exported logs go to declared groups")
