"""Per-alias configuration from SSM Parameter Store, decoupled from code.

The alias a request came through (`context.invoked_function_arn`'s last
segment) selects `/<project>/<alias>/config`, a JSON document. It is loaded
once per container and re-read after a TTL, so an operator can change the
log level or the CORS allowlist without a deploy. An unqualified ARN
(`$LATEST`) or an alias this function does not serve is refused, except in
an explicit local mode. If a refresh fails, the last good config is served
and the failure logged: an SSM hiccup must not take the API down.
"""

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from shop.errors import ConfigError

log = logging.getLogger("shop.config")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


@dataclass(frozen=True)
class AppConfig:
    stage: str
    log_level: str = "INFO"
    cors_allowed_origins: tuple[str, ...] = ()
    page_size_default: int = 20
    page_size_max: int = 100
    max_body_bytes: int = 65536
    currency: str = "EUR"
    sender_email: str = ""
    report_recipients: tuple[str, ...] = ()
    retry_after_seconds: int = 2
    warmer_concurrency: int = 1
    warmer_hold_ms: int = 100
    warmer_prime: bool = True
    order_emails: bool = True
    order_events: bool = True


def parse_config(stage: str, text: str, *, site_origins: tuple[str, ...] = ()) -> AppConfig:
    """Return the AppConfig in `text`; raise ConfigError naming the bad key.

    `site_origins` (the storefront's, from the environment) are allowed by
    CORS besides the config's own `cors_allowed_origins`.
    """
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"config for stage {stage!r} is not valid JSON: {exc}") from exc
    if not isinstance(raw, dict):
        raise ConfigError(f"config for stage {stage!r} must be a JSON object")
    warmer = _typed(raw, "warmer", dict, {})
    features = _typed(raw, "features", dict, {})
    config = AppConfig(
        stage=stage,
        log_level=str(raw.get("log_level", "INFO")).upper(),
        cors_allowed_origins=tuple(
            dict.fromkeys([*site_origins, *_typed(raw, "cors_allowed_origins", list, [])])
        ),
        page_size_default=_typed(raw, "page_size_default", int, 20),
        page_size_max=_typed(raw, "page_size_max", int, 100),
        max_body_bytes=_typed(raw, "max_body_bytes", int, 65536),
        currency=_typed(raw, "currency", str, "EUR"),
        sender_email=_typed(raw, "sender_email", str, ""),
        report_recipients=tuple(_typed(raw, "report_recipients", list, [])),
        retry_after_seconds=_typed(raw, "retry_after_seconds", int, 2),
        warmer_concurrency=_typed(warmer, "concurrency", int, 1, "warmer."),
        warmer_hold_ms=_typed(warmer, "hold_ms", int, 100, "warmer."),
        warmer_prime=_typed(warmer, "prime", bool, True, "warmer."),
        order_emails=_typed(features, "order_emails", bool, True, "features."),
        order_events=_typed(features, "order_events", bool, True, "features."),
    )
    _check(config)
    return config


def _typed(raw: dict, key: str, kind: type, default, prefix: str = ""):
    value = raw.get(key, default)
    if kind is int and isinstance(value, bool) or not isinstance(value, kind):
        raise ConfigError(f"config key {prefix}{key} must be a {kind.__name__}")
    return value


def _check(config: AppConfig) -> None:
    if config.log_level not in LOG_LEVELS:
        raise ConfigError(f"config key log_level must be one of {', '.join(LOG_LEVELS)}")
    if not 1 <= config.page_size_default <= config.page_size_max <= 100:
        raise ConfigError("config keys need 1 <= page_size_default <= page_size_max <= 100")
    if not 1 <= config.max_body_bytes <= 10 * 1024 * 1024:
        raise ConfigError("config key max_body_bytes must be between 1 and 10485760")
    for origin in config.cors_allowed_origins:
        if origin == "*":
            continue
        parts = urlsplit(origin) if isinstance(origin, str) else None
        if not parts or parts.scheme not in ("http", "https") or not parts.netloc or parts.path:
            raise ConfigError(
                f"config key cors_allowed_origins has {origin!r}; "
                "origins look like https://shop.example.com (no path, no trailing slash)"
            )


def alias_from_arn(arn: str | None) -> str | None:
    """Return the alias or version qualifier of a function ARN, or None if unqualified."""
    try:
        return _ALIASES[arn]
    except (KeyError, TypeError):
        pass
    parts = (arn or "").split(":")
    alias = parts[7] if len(parts) == 8 else None
    if isinstance(arn, str) and len(_ALIASES) < 64:  # an environment sees one or two ARNs
        _ALIASES[arn] = alias
    return alias


_ALIASES: dict[str, str | None] = {}


@dataclass(kw_only=True, eq=False)
class ConfigLoader:
    """Serves each alias's config from memory, re-reading SSM after `ttl` seconds.

    `fetch` is the Parameters and Secrets extension's parameter read
    (shop.extension), which has a cache of its own: a change reaches the
    function within this TTL plus the extension's (`SSM_PARAMETER_STORE_TTL`).
    """

    fetch: Callable[[str], str]
    parameter_template: str
    aliases: tuple[str, ...]
    ttl: float = 60.0
    local_stage: str | None = None
    site_origins: tuple[str, ...] = ()
    clock: Callable[[], float] = time.monotonic
    _cache: dict[str, tuple[float, AppConfig]] = field(default_factory=dict, init=False)

    def stage_for(self, invoked_function_arn: str | None) -> str:
        """Return the stage to serve for this ARN; raise ConfigError if it may not be served."""
        alias = alias_from_arn(invoked_function_arn)
        if alias is None or alias == "$LATEST":
            if self.local_stage:
                return self.local_stage
            raise ConfigError(
                f"invoked without an alias ({invoked_function_arn!r}); "
                f"invoke through one of: {', '.join(self.aliases) or 'none configured'}"
            )
        if alias not in self.aliases:
            raise ConfigError(
                f"alias {alias!r} is not served by this function "
                f"(serves: {', '.join(self.aliases) or 'none'})"
            )
        return alias

    def forget(self) -> None:
        """Drop every cached config: the next request re-reads it (after a SnapStart restore)."""
        self._cache.clear()

    def get(self, stage: str) -> AppConfig:
        """Return the config of `stage`, from memory while fresh, else from SSM."""
        now = self.clock()
        cached = self._cache.get(stage)
        if cached and now - cached[0] < self.ttl:
            return cached[1]
        name = self.parameter_template.replace("{alias}", stage)
        try:
            config = parse_config(stage, self.fetch(name), site_origins=self.site_origins)
        except Exception as exc:
            if cached:
                log.warning(
                    "config refresh failed; serving the last good config",
                    extra={"parameter": name, "reason": str(exc)},
                )
                self._cache[stage] = (now, cached[1])
                return cached[1]
            if isinstance(exc, ConfigError):
                raise
            raise ConfigError(f"cannot load config parameter {name}: {exc}") from exc
        self._cache[stage] = (now, config)
        return config
