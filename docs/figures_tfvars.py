"""docs/terraform.md's table of per-stage values, rendered from envs/*.tfvars.

Each row names a knob and says what it means; the values are read from the
stage's tfvars (`local.tfvars`, the parser `make dev` uses) and, where a stage
leaves a knob out, from the default `terraform/variables.tf` gives it
(`optional(type, default)` or a variable's `default = ...`), so the table
shows what Terraform would plan. A value shown as "default" is a bulky
default the meaning column states.
"""

import json
import re
from collections.abc import Callable
from pathlib import Path

from docs.figures_runs import ROOT, renders

STAGES = ("dev", "qa", "prod")
ENVS = ROOT / "envs"
FUNCTIONS = ("api", "report", "migrate", "warmer")
VARIABLE = re.compile(r'^variable "(\w+)" \{')
NESTED = re.compile(r"^(\s*)(\w+)\s*=\s*(?:optional\()?(?:map\()?object\(\{\s*$")
OPTIONAL = re.compile(r"^\s*(\w+)\s*=\s*optional\([\w()]+,\s*(.+)\)\s*$")
DEFAULT = re.compile(r"^  default\s*=\s*(.+?)\s*$")
DEFAULT_REF = re.compile(r"\{d\[([\w.]+)\]\}")  # in a meaning: "{d[path]}", that default


def tf_defaults(path: Path = ROOT / "terraform" / "variables.tf") -> dict[str, object]:
    """{"api.metrics_enabled": True, "functions.architecture": "x86_64", ...}: the literal
    defaults of the root's variables (a map's entries share one path)."""
    found: dict[str, object] = {}
    stack: list[tuple[int, str]] = []
    for line in path.read_text().splitlines():
        if match := VARIABLE.match(line):
            stack = [(-1, match.group(1))]
            continue
        if not stack:
            continue
        indent = len(line) - len(line.lstrip())
        if line.strip().startswith("}") and len(stack) > 1 and indent <= stack[-1][0]:
            stack.pop()
            continue
        if match := NESTED.match(line):
            if match.group(2) != "type":
                stack.append((len(match.group(1)), match.group(2)))
            continue
        match = OPTIONAL.match(line) or None
        if match:
            literal = _literal(match.group(2))
            if literal is not None:
                found[".".join([*(n for _, n in stack), match.group(1)])] = literal
        elif (match := DEFAULT.match(line)) and len(stack) == 1:
            literal = _literal(match.group(1))
            if literal is not None:
                found[stack[0][1]] = literal
    return found


def _literal(text: str):
    try:
        return json.loads(text)
    except ValueError:
        return None


class Stage:
    """One stage's tfvars, with the variables' defaults filled in."""

    def __init__(self, name: str, defaults: dict[str, object]):
        from local import tfvars

        self.values = tfvars.load(ENVS / f"{name}.tfvars")
        self.defaults = defaults

    def get(self, path: str):
        node = self.values
        for part in path.split("."):
            if not isinstance(node, dict) or part not in node:
                generic = re.sub(r"^functions\.\w+\.", "functions.", path)
                return self.defaults.get(path, self.defaults.get(generic))
            node = node[part]
        return node

    def has(self, path: str) -> bool:
        node = self.values
        for part in path.split("."):
            if not isinstance(node, dict) or part not in node:
                return False
            node = node[part]
        return True


def show(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, list | dict):
        return json.dumps(value) if value else ("[]" if isinstance(value, list) else "{}")
    return str(value)


def plain(path: str) -> Callable[[Stage], str]:
    return lambda s: show(s.get(path))


def bulky(path: str) -> Callable[[Stage], str]:
    """A value too long for a cell: "default" unless the stage sets it."""
    return lambda s: show(s.get(path)) if s.has(path) else "default"


def knob(path: str, meaning: str, value=plain) -> tuple[str, str, Callable[[Stage], str]]:
    """The row of one tfvars path: its name, what it means, and `value(path)`, its cells."""
    return f"`{path}`", meaning, value(path)


def per_function(key: str) -> Callable[[Stage], str]:
    return lambda s: "/".join(show(s.get(f"functions.{f}.{key}")) for f in FUNCTIONS)


def retention(s: Stage) -> str:
    days = {f: s.get(f"functions.{f}.log_retention_days") for f in FUNCTIONS}
    base = days["api"]
    others = [f"{f} {d}" for f, d in days.items() if d != base]
    return f"{base} ({', '.join(others)})" if others else str(base)


def provisioned(s: Stage) -> str:
    on = [f"{f} {n}" for f in FUNCTIONS if (n := s.get(f"functions.{f}.provisioned_concurrency"))]
    return ", ".join(on) or "0"


def on(flag) -> str:
    return "on" if flag else "off"


def cron_time(expression: str) -> str:
    """`cron(0 6 * * ? *)` as `06:00 UTC` (EventBridge crons are UTC)."""
    minute, hour = expression.removeprefix("cron(").split()[:2]
    return f"{int(hour):02d}:{int(minute):02d} UTC" if minute.isdigit() else expression


def cache(s: Stage) -> str:
    if not s.get("api.cache.enabled"):
        return "off"
    return f"{s.get('api.cache.size_gb')} GB, {s.get('api.cache.ttl_seconds')} s"


def monitoring(s: Stage) -> str:
    parts = [
        show(s.get(f"monitoring.{k}"))
        for k in ("api_5xx_threshold", "lambda_error_threshold", "rds_free_storage_gb")
    ]
    period, periods = s.get("monitoring.period_seconds"), s.get("monitoring.evaluation_periods")
    if s.has("monitoring.period_seconds") or s.has("monitoring.evaluation_periods"):
        parts.append(f"{period} s × {periods}")
    return ", ".join(parts)


def app_config(s: Stage) -> str:
    origins = s.get("app_config.cors_allowed_origins")
    return f"{len(origins)} origin(s), {s.get('app_config.log_level')}"


ROWS: list[tuple[str, str, Callable[[Stage], str]]] = [
    knob("project", "name prefix"),
    knob("stage", "must equal the workspace"),
    knob("region", "AWS region"),
    knob(
        "assume_role",
        "`{ role_arn, session_name?, external_id? }` to work in another account; "
        "`null` = caller's account",
    ),
    knob("tags", "extra tags (Project, Stage, ManagedBy always set)"),
    knob("network.cidr_block", "VPC CIDR (/16-/22)"),
    (
        "`network.availability_zones`",
        "≥ 2 zone names of the region (not looked up: plans stay offline)",
        lambda s: ", ".join(z[-1] for z in s.get("network.availability_zones")),
    ),
    knob("network.nat_mode", "`single`, `per_az`, `none`"),
    knob(
        "network.subnet_newbits",
        "`{ public = 8, app = 4, database = 8 }` bits added to the VPC prefix",
        bulky,
    ),
    knob("network.flow_log_retention_days", "retention of the VPC's rejected-traffic flow log"),
    knob(
        "network.interface_endpoints",
        "services (`ssm`, `secretsmanager`, ...) with an interface endpoint in the app subnets",
    ),
    knob("database.instance_class", "RDS class"),
    knob("database.engine_version", "`8.0` or `8.0.x`"),
    (
        "`database.allocated_storage_gb` / `max_allocated_storage_gb`",
        "gp3 storage and autoscaling ceiling",
        lambda s: (
            f"{s.get('database.allocated_storage_gb')} / "
            f"{s.get('database.max_allocated_storage_gb')}"
        ),
    ),
    knob("database.multi_az", "standby in another zone (required in prod)"),
    knob("database.deletion_protection", "(required in prod)"),
    knob("database.skip_final_snapshot", "(must be false in prod)"),
    knob("database.backup_retention_days", "1-35"),
    knob(
        "database.log_retention_days",
        "retention of the `error` and `slowquery` log exports' groups",
    ),
    (
        "`database.backup_window`, `maintenance_window`",
        "UTC",
        lambda s: f"{s.get('database.backup_window')}, {s.get('database.maintenance_window')}",
    ),
    knob("database.max_connections", "parameter group value, the budget's ceiling"),
    knob("database.connection_headroom", "connections kept for people and tools"),
    (
        "`database.db_name`, `master_username`",
        "the schema and the master user's name",
        lambda s: f"{s.get('database.db_name')}, {s.get('database.master_username')}",
    ),
    knob("database.enable_proxy", "RDS Proxy switch"),
    knob("database.performance_insights", "Performance Insights"),
    (
        "`database.client.ca_bundle`",
        "`SHOP_DB_CA_BUNDLE`, path of the RDS CA bundle inside the package",
        lambda s: f"`{s.get('database.client.ca_bundle')}`",
    ),
    (
        "`database.client.proxy_ca_bundle`",
        "`SHOP_DB_CA_BUNDLE` instead when `enable_proxy`: Amazon's root CAs inside the package",
        lambda s: f"`{s.get('database.client.proxy_ca_bundle')}`",
    ),
    (
        "`database.client.connect_timeout_s` / `read_timeout_s`",
        "`SHOP_DB_CONNECT_TIMEOUT` / `SHOP_DB_READ_TIMEOUT`",
        lambda s: (
            f"{s.get('database.client.connect_timeout_s')} / "
            f"{s.get('database.client.read_timeout_s')}"
        ),
    ),
    ("`functions.<name>.memory_mb`", "api / report / migrate / warmer", per_function("memory_mb")),
    ("`functions.<name>.timeout_s`", "api ≤ 29", per_function("timeout_s")),
    (
        "`functions.<name>.architecture`",
        "`x86_64` or `arm64`; must match the build",
        per_function("architecture"),
    ),
    (
        "`functions.<name>.reserved_concurrency`",
        "≥ 1; DB functions count against the budget",
        per_function("reserved_concurrency"),
    ),
    (
        "`functions.<name>.provisioned_concurrency`",
        "on the stage alias, 0 = off",
        provisioned,
    ),
    (
        "`functions.<name>.snap_start`",
        "SnapStart on the published versions",
        per_function("snap_start"),
    ),
    ("`functions.<name>.log_retention_days`", "CloudWatch retention", retention),
    knob("config_ttl_seconds", "`SHOP_CONFIG_TTL_SECONDS`"),
    (
        "`schedules.warmer`",
        "`{ enabled, rate_minutes }`",
        lambda s: (
            f"{on(s.get('schedules.warmer.enabled'))}, {s.get('schedules.warmer.rate_minutes')}"
        ),
    ),
    (
        "`schedules.report`",
        "`{ enabled, schedule_expression }`",
        lambda s: (
            f"{on(s.get('schedules.report.enabled'))}, "
            f"{cron_time(s.get('schedules.report.schedule_expression'))}"
        ),
    ),
    (
        "`schedules.app_login_rotation`",
        "`{ rate_days }`: migrate rotates the application login (1-90 days)",
        lambda s: f"{s.get('schedules.app_login_rotation.rate_days')} days",
    ),
    ("`api.cache`", "`{ enabled, size_gb, ttl_seconds }`", cache),
    (
        "`api.throttle`",
        "stage rate / burst",
        lambda s: f"{s.get('api.throttle.rate_limit')} / {s.get('api.throttle.burst_limit')}",
    ),
    (
        "`api.admin_usage_plan`",
        "admin key's rate / burst / daily quota",
        lambda s: "/".join(
            show(s.get(f"api.admin_usage_plan.{k}"))
            for k in ("rate_limit", "burst_limit", "quota_per_day")
        ),
    ),
    (
        "`api.logging_level`, `metrics_enabled`, `xray_tracing`",
        "execution logs (`OFF`/`ERROR`/`INFO`), detailed metrics, X-Ray",
        lambda s: (
            f"{s.get('api.logging_level')}, {on(s.get('api.metrics_enabled'))}, "
            f"{on(s.get('api.xray_tracing'))}"
        ),
    ),
    knob("api.access_log_retention_days", "JSON access log retention"),
    knob(
        "api.cors",
        "`{ allow_methods, allow_headers, max_age_seconds }` answered by the preflight",
        bulky,
    ),
    (
        "`static_site.price_class`",
        "CloudFront price class",
        lambda s: show(s.get("static_site.price_class")).removeprefix("PriceClass_"),
    ),
    knob("static_site.force_destroy", "allow destroying a non-empty bucket (never prod)"),
    (
        "`notifications.alarm_emails`",
        "subscribed to the alarm topic",
        lambda s: ", ".join(s.get("notifications.alarm_emails")) or "[]",
    ),
    (
        "`monitoring.*`",
        "`api_5xx_threshold`, `lambda_error_threshold`, `rds_free_storage_gb`; optional "
        "`duration_alarm_ratio` ({d[monitoring.duration_alarm_ratio]}), `rds_cpu_percent` "
        "({d[monitoring.rds_cpu_percent]}), `rds_connections_ratio` "
        "({d[monitoring.rds_connections_ratio]}), `period_seconds` "
        "({d[monitoring.period_seconds]}) × `evaluation_periods` "
        "({d[monitoring.evaluation_periods]}), shown when set",
        monitoring,
    ),
    (
        "`app_config`",
        "the JSON in SSM `/<project>/<stage>/config` (shape in architecture.md); its "
        "`cors_allowed_origins` also drive the API's CORS, its `warmer` the warmer's environment",
        app_config,
    ),
]
RELEASE_ROWS: list[tuple[str, Callable[[Stage], str]]] = [
    ("`deployment_config`", lambda s: f"`{s.get('release.deployment_config')}`"),
    ("`keep_releases` (1-10)", plain("release.keep_releases")),
    (
        "`hook_timeout_s`, `hook_log_retention_days`",
        lambda s: f"{s.get('release.hook_timeout_s')}, {s.get('release.hook_log_retention_days')}",
    ),
]


@renders("stage-knobs")
def stage_knobs() -> str:
    defaults = tf_defaults()
    stages = [Stage(name, defaults) for name in STAGES]
    lines = ["| knob | meaning | dev | qa | prod |", "|---|---|---|---|---|"]
    for knob, meaning, value in ROWS:
        meaning = DEFAULT_REF.sub(lambda m: show(defaults[m.group(1)]), meaning)
        lines.append(f"| {knob} | {meaning} | " + " | ".join(value(s) for s in stages) + " |")
    return "\n" + "\n".join(lines) + "\n"


@renders("stage-release")
def stage_release() -> str:
    defaults = tf_defaults()
    stages = [Stage(name, defaults) for name in STAGES]
    lines = ["| tfvars `release` | dev | qa | prod |", "|---|---|---|---|"]
    for knob, value in RELEASE_ROWS:
        lines.append(f"| {knob} | " + " | ".join(value(s) for s in stages) + " |")
    return "\n" + "\n".join(lines) + "\n"


def ssm_config(stage: str) -> dict:
    """The stage's app config as Terraform writes it to SSM: its tfvars' `app_config`
    with variables.tf's optional() defaults filled in."""
    defaults = tf_defaults()
    config = json.loads(json.dumps(Stage(stage, defaults).get("app_config")))
    for path, value in defaults.items():
        parts = path.split(".")
        if parts[0] != "app_config":
            continue
        node = config
        for part in parts[1:-1]:
            node = node.setdefault(part, {})
        node.setdefault(parts[-1], value)
    return config


@renders("app-config-qa")
def app_config_qa() -> str:
    config = ssm_config("qa")
    lines = [f'  "{key}": {json.dumps(value)}' for key, value in sorted(config.items())]
    return "\n```json\n{\n" + ",\n".join(lines) + "\n}\n```\n"
