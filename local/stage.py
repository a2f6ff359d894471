"""The stage's knobs, read from `envs/<stage>.tfvars` with embedded defaults.

What Terraform would deploy for the stage is what the stack emulates: the
app config that goes to SSM (with the defaults the root's `optional()`s
give it), the CORS preflight settings, throttling, each function's timeout
and memory, and the config TTL. A missing tfvars file is not an error: the
embedded defaults below let `make dev` run on a fresh checkout.
"""

import copy
from dataclasses import dataclass, field
from pathlib import Path

from local import tfvars
from local.cors import CorsSettings

# The app config for a stage that has no tfvars yet (shape: docs/architecture.md).
DEFAULT_APP_CONFIG = {
    "log_level": "INFO",
    "cors_allowed_origins": ["http://127.0.0.1:8080"],
    "currency": "EUR",
    "sender_email": "orders-dev@shop.example.com",
    "report_recipients": ["dev-team@shop.example.com"],
}
# Terraform's optional() defaults for app_config (terraform/variables.tf).
APP_CONFIG_DEFAULTS = {
    "page_size_default": 20,
    "page_size_max": 100,
    "max_body_bytes": 65536,
    "retry_after_seconds": 2,
    "warmer": {"concurrency": 3, "hold_ms": 100, "prime": True},
    "features": {"order_emails": True, "order_events": True},
}
FUNCTION_DEFAULTS = {
    "api": {"timeout_s": 15, "memory_mb": 512},
    "report": {"timeout_s": 120, "memory_mb": 512},
    "migrate": {"timeout_s": 300, "memory_mb": 512},
    "warmer": {"timeout_s": 30, "memory_mb": 128},
}


@dataclass(frozen=True)
class StageValues:
    name: str = "dev"
    region: str = "eu-west-1"
    app_config: dict = field(default_factory=lambda: with_defaults(DEFAULT_APP_CONFIG))
    cors: CorsSettings = field(default_factory=lambda: CorsSettings(("http://127.0.0.1:8080",)))
    throttle: tuple[float, int] | None = (20, 40)
    key_throttle: tuple[float, int] | None = (5, 10)
    functions: dict = field(default_factory=lambda: copy.deepcopy(FUNCTION_DEFAULTS))
    config_ttl_seconds: int = 60
    db_client: dict = field(default_factory=dict)  # database.client (connect/read timeouts)
    cache_ttl: float = 0  # the stage's gateway cache: 0 when its cache cluster is off
    source: str = "embedded defaults"


def with_defaults(app_config: dict) -> dict:
    """Return `app_config` completed with Terraform's optional() defaults."""
    merged = {**copy.deepcopy(APP_CONFIG_DEFAULTS), **copy.deepcopy(app_config)}
    for key in ("warmer", "features"):
        merged[key] = {**APP_CONFIG_DEFAULTS[key], **app_config.get(key, {})}
    return merged


def load(path: Path, *, stage: str = "dev") -> StageValues:
    """Return the stage's values from the tfvars at `path`, or the defaults if it is absent.

    Raises tfvars.TfvarsError when the file exists but cannot be read, and
    ValueError when it belongs to another stage.
    """
    path = Path(path)
    if not path.exists():
        return StageValues(name=stage)
    values = tfvars.load(path)
    if values.get("stage", stage) != stage:
        raise ValueError(f"{path} is for stage {values['stage']!r}, not {stage!r}")
    api = values.get("api", {})
    cors = api.get("cors", {})
    app_config = with_defaults(values.get("app_config", DEFAULT_APP_CONFIG))
    plan = api.get("admin_usage_plan")
    functions = copy.deepcopy(FUNCTION_DEFAULTS)
    for name, settings in values.get("functions", {}).items():
        functions.setdefault(name, {}).update(settings)
    defaults = CorsSettings(())
    return StageValues(
        name=stage,
        region=values.get("region", "eu-west-1"),
        app_config=app_config,
        cors=CorsSettings(
            allowed_origins=tuple(app_config.get("cors_allowed_origins", ())),
            allow_methods=tuple(cors.get("allow_methods", defaults.allow_methods)),
            allow_headers=tuple(cors.get("allow_headers", defaults.allow_headers)),
            max_age_seconds=int(cors.get("max_age_seconds", defaults.max_age_seconds)),
        ),
        throttle=_bucket(api.get("throttle")),
        key_throttle=_bucket(plan),
        functions=functions,
        config_ttl_seconds=int(values.get("config_ttl_seconds", 60)),
        db_client=dict(values.get("database", {}).get("client", {})),
        cache_ttl=_cache_ttl(api.get("cache")),
        source=str(path),
    )


def _cache_ttl(settings: dict | None) -> float:
    if not settings or not settings.get("enabled"):
        return 0
    return float(settings.get("ttl_seconds", 300))


def _bucket(settings: dict | None) -> tuple[float, int] | None:
    if not settings:
        return None
    return float(settings["rate_limit"]), int(settings["burst_limit"])
