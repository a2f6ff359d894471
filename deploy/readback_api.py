"""The API side of the readback (deploy/readback.py): who may invoke what, and the stage.

Every aws_proxy route of the contract must have one permission on the api
alias scoped to <execution_arn>/<stage>/<METHOD>/<path>, and an integration
that calls the alias named by the stage variable; the schedules may invoke
only their own function's alias, and only from their rule.
"""

from __future__ import annotations

import json
import re


def _policy(aws, name: str, qualifier: str) -> list[dict]:
    return json.loads(aws.awslambda.get_policy(FunctionName=name, Qualifier=qualifier)["Policy"])[
        "Statement"
    ]


def _source_arns(statements: list[dict], principal: str) -> list[str]:
    return sorted(
        s["Condition"]["ArnLike"]["AWS:SourceArn"]
        for s in statements
        if s["Principal"] == {"Service": principal}
    )


def check_api(facts, aws, want, outputs: dict, account: str) -> None:
    """Permissions on the aliases, schedules, the stage, its integrations and usage plan."""
    api_id, stage, region = outputs["api_id"], want.stage, aws.region
    execution_arn = f"arn:aws:execute-api:{region}:{account}:{api_id}"
    expected = sorted(
        f"{execution_arn}/{stage}/{method}{re.sub(r'{[^}]+}', '*', path)}"
        for method, path in want.routes
    )
    api_fn = want.function("api")
    statements = _policy(aws, api_fn, stage)
    facts.equal(
        "api alias permissions' SourceArn",
        _source_arns(statements, "apigateway.amazonaws.com"),
        expected,
    )
    facts.equal(
        "api permissions granted on",
        sorted({s["Resource"] for s in statements}),
        [outputs["functions"]["api"]["alias_arn"]],
    )
    # Each function's schedules: rule suffix -> its key in var.schedules.
    schedules = {
        "report": {"daily-report": "report", "relay": "relay"},
        "warmer": {"warm-api": "warmer"},
    }
    for fn, rules in schedules.items():
        name = want.function(fn)
        described = {rule: aws.events.describe_rule(Name=f"{name}-{rule}") for rule in rules}
        facts.equal(
            f"{name}:{stage} EventBridge SourceArn",
            _source_arns(_policy(aws, name, stage), "events.amazonaws.com"),
            sorted(d["Arn"] for d in described.values()),
        )
        for rule, key in rules.items():
            targets = aws.events.list_targets_by_rule(Rule=f"{name}-{rule}")["Targets"]
            facts.equal(
                f"{name}-{rule} target",
                [t["Arn"] for t in targets],
                [outputs["functions"][fn]["alias_arn"]],
            )
            enabled = want.variables["schedules"][key]["enabled"]
            facts.equal(
                f"{name}-{rule} state",
                described[rule]["State"],
                "ENABLED" if enabled else "DISABLED",
            )

    settings = want.variables["api"]
    got = aws.apigateway.get_stage(restApiId=api_id, stageName=stage)
    facts.equal("stage variables", got.get("variables"), {"alias": stage})
    facts.equal(
        "cache cluster", got.get("cacheClusterEnabled", False), settings["cache"]["enabled"]
    )
    methods = got.get("methodSettings", {})
    defaults = methods.get("*/*", {})
    facts.equal(
        "stage throttling, metrics and logging (*/*)",
        tuple(
            defaults.get(k)
            for k in (
                "throttlingRateLimit",
                "throttlingBurstLimit",
                "metricsEnabled",
                "loggingLevel",
                "cachingEnabled",
            )
        ),
        (
            settings["throttle"]["rate_limit"],
            settings["throttle"]["burst_limit"],
            settings["metrics_enabled"],
            settings["logging_level"],
            False,
        ),
    )
    cache = settings["cache"]
    facts.equal(
        "methods with caching on",
        sorted(p for p, m in methods.items() if m.get("cachingEnabled")),
        want.cached if cache["enabled"] else [],
    )
    if cache["enabled"]:
        facts.equal("cache cluster size", got.get("cacheClusterSize"), cache["size_gb"])
        for path in want.cached:
            facts.equal(
                f"{path} cache TTL, encrypted",
                (methods[path].get("cacheTtlInSeconds"), methods[path].get("cacheDataEncrypted")),
                (cache["ttl_seconds"], True),
            )
    function_arn = f"arn:aws:lambda:{region}:{account}:function:{api_fn}"
    uri = (
        f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/"
        f"{function_arn}:${{stageVariables.alias}}/invocations"
    )
    resources = {
        r["path"]: r["id"]
        for r in aws.apigateway.get_resources(restApiId=api_id, limit=500)["items"]
    }
    for method, path in want.routes:
        integration = aws.apigateway.get_integration(
            restApiId=api_id, resourceId=resources[path], httpMethod=method
        )
        facts.equal(
            f"{method} {path} integration",
            (integration["type"].upper(), integration["uri"]),
            ("AWS_PROXY", uri),
        )
    (plan,) = [
        p for p in aws.apigateway.get_usage_plans()["items"] if p["name"] == f"{want.name}-admin"
    ]
    usage = settings["admin_usage_plan"]
    facts.equal("admin usage plan stage", plan["apiStages"], [{"apiId": api_id, "stage": stage}])
    facts.equal(
        "admin usage plan throttle",
        (plan["throttle"]["rateLimit"], plan["throttle"]["burstLimit"]),
        (usage["rate_limit"], usage["burst_limit"]),
    )
    facts.equal(
        "admin usage plan quota",
        (plan["quota"]["limit"], plan["quota"]["period"]),
        (usage["quota_per_day"], "DAY"),
    )
    keys = aws.apigateway.get_usage_plan_keys(usagePlanId=plan["id"])["items"]
    facts.equal("admin usage plan key", [k["id"] for k in keys], [outputs["admin_api_key_id"]])
