"""Entry point of the report function (daily EventBridge schedule).

Summarises the previous UTC day's orders, e-mails the summary to the
stage's report recipients and retries notifications that were not sent.
An event may name the day: `{"date": "2026-11-26"}`.
"""

import os
from datetime import date, timedelta

_runtime = None


def handler(event, context):
    global _runtime
    from shop import logs, notify, report
    from shop.routes import utcnow
    from shop.runtime import build_runtime

    if _runtime is None:
        logs.configure(os.environ.get("SHOP_LOG_LEVEL", "INFO"))
        _runtime = build_runtime()
    loader = _runtime.config_loader
    config = loader.get(loader.stage_for(getattr(context, "invoked_function_arn", None)))
    logs.set_level(config.log_level)
    day = _day(event)
    with _runtime.database.connect() as conn:
        summary = report.summarise(conn, day)
        retried = notify.dispatch(conn, _runtime.notifier, now=utcnow, limit=500)
        statuses = notify.counts_by_status(conn)
    emailed = False
    if config.report_recipients and config.sender_email:
        _runtime.clients["ses"].send_email(
            Source=config.sender_email,
            Destination={"ToAddresses": list(config.report_recipients)},
            Message={
                "Subject": {"Data": f"[{config.stage}] Orders on {summary['date']}"},
                "Body": {
                    "Text": {
                        "Data": report.render_text(
                            summary, currency=config.currency, notifications=statuses
                        )
                    }
                },
            },
        )
        emailed = True
    return {**summary, "retried": retried, "notifications": statuses, "emailed": emailed}


def _day(event) -> date:
    if isinstance(event, dict) and isinstance(event.get("date"), str):
        try:
            return date.fromisoformat(event["date"])
        except ValueError as exc:
            raise ValueError(f"date must look like 2026-11-26, got {event['date']!r}") from exc
    from shop.routes import utcnow

    return utcnow().date() - timedelta(days=1)
