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
