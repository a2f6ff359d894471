"""CORS preflight, answered by the gateway as the contract's mock integration does.

`preflight` is the Python twin of the VTL in the contract's
`x-shop-integrations.preflight`: the origin must be exactly one of the
stage's allowed origins, the requested method one of the allowed methods,
and every requested header one of the allowed headers (case-insensitive);
otherwise 403 without `Access-Control-Allow-Origin`. The static headers
(methods, headers, max age, `Vary: Origin`) come with both answers, as the
integration response's parameters do. Real responses get their CORS
headers from the function itself.
As in the VTL, an allowlist entry `*` is not a wildcard for preflights.
"""

from dataclasses import dataclass

from local.responses import static_value


@dataclass(frozen=True)
class CorsSettings:
    allowed_origins: tuple[str, ...]
    allow_methods: tuple[str, ...] = ("GET", "POST", "PUT", "DELETE", "OPTIONS")
    allow_headers: tuple[str, ...] = (
        "Content-Type",
        "X-Api-Key",
        "Idempotency-Key",
        "If-Match",
        "If-None-Match",
    )
    max_age_seconds: int = 600

    def placeholders(self) -> dict[str, str]:
        """Return the contract's CORS placeholders, filled as Terraform fills them."""
        return {
            "cors_allowed_origins": ",".join(self.allowed_origins),
            "cors_primary_origin": self.allowed_origins[0] if self.allowed_origins else "",
            "cors_allow_methods": ",".join(self.allow_methods),
            "cors_allow_headers": ",".join(self.allow_headers),
            "cors_max_age": str(self.max_age_seconds),
        }


def preflight(
    settings: CorsSettings, integration: dict, *, origin: str, method: str, asked_headers: str
) -> tuple[int, list[tuple[str, str]]]:
    """Return the status and headers of the answer to an OPTIONS preflight.

    Status and static headers come from the mock integration's default
    response in the (rendered) contract; the decision is the VTL's.
    """
    allowed_headers = {h.lower() for h in settings.allow_headers}
    ok = origin != "" and origin in settings.allowed_origins
    if method == "" or method not in settings.allow_methods:
        ok = False
    for asked in asked_headers.split(","):
        name = asked.strip().lower()
        if name and name not in allowed_headers:
            ok = False
    default = integration.get("responses", {}).get("default", {})
    headers = [
        (key.removeprefix("method.response.header."), static_value(value))
        for key, value in default.get("responseParameters", {}).items()
        if key.startswith("method.response.header.")
    ]
    if not ok:
        return 403, headers
    headers.append(("Access-Control-Allow-Origin", origin))
    return int(default.get("statusCode", 200)), headers
