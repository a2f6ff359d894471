"""Test data shared by the fixtures and the tests (conftest modules are not
importable by name once several folders have one)."""

SENDER = "orders@dev.shop.example.com"

DEV_CONFIG = {
    "log_level": "INFO",
    "cors_allowed_origins": ["https://dev.shop.example.com", "http://127.0.0.1:8080"],
    "page_size_default": 20,
    "page_size_max": 100,
    "max_body_bytes": 65536,
    "currency": "EUR",
    "sender_email": SENDER,
    "report_recipients": ["ops@dev.shop.example.com"],
    "retry_after_seconds": 3,
    "warmer": {"concurrency": 3, "hold_ms": 50, "prime": True},
    "features": {"order_emails": True, "order_events": True},
}

PRODUCT = {
    "sku": "MUG-001",
    "name": "Enamel mug",
    "description": "Blue enamel camping mug, 350 ml.",
    "category": "kitchen",
    "price": "12.50",
    "stock": 25,
}


def api_env(*, extension_env: dict, secret_arn: str, mariadb, database: str) -> dict[str, str]:
    """The api function's environment as Terraform sets it, against the test MariaDB over TLS."""
    return {
        **extension_env,
        "SHOP_PROJECT": "shop",
        "SHOP_STAGE": "dev",
        "SHOP_ALIASES": "dev",
        "SHOP_CONFIG_PARAMETER": "/shop/{alias}/config",
        "SHOP_DB_SECRET_ARN": secret_arn,
        "SHOP_DB_HOST": "127.0.0.1",
        "SHOP_DB_PORT": str(mariadb.port),
        "SHOP_DB_NAME": database,
        "SHOP_DB_CA_BUNDLE": str(mariadb.tls.ca),
        "SHOP_DB_CONNECT_TIMEOUT": "2",
        "SHOP_DB_READ_TIMEOUT": "5",
    }
