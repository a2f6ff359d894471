"""Entry point of the report function: the daily report and the outbox relay.

`{"action": "relay"}` (EventBridge, every few minutes) sends the outbox's
due notifications: fresh rows first, failed ones after their backoff, and a
row that keeps failing parked after its last attempt (shop.notify). Any
other event is the daily report: it summarises the previous UTC day's
orders, e-mails the summary to the stage's report recipients and relays
too. An event may name the day: `{"date": "2026-11-26"}`.

Each run ends in one log line carrying its metrics (EMF): sends, failures,
parked rows and the outbox backlog's size and age.
"""

import logging
from datetime import date, timedelta

_runtime = None
RELAY_BATCH = 200
log = logging.getLogger("shop.relay")


def handler(event, context):
    global _runtime
    from shop import logs, metrics
    from shop.runtime import build_runtime

    with logs.invocation(context, cold=_runtime is None):
        if _runtime is None:
            _runtime = build_runtime()
        loader = _runtime.config_loader
        config = loader.get(loader.stage_for(getattr(context, "invoked_function_arn", None)))
        logs.set_level(config.log_level)
        with metrics.recording(config.stage) as recorder:
            try:
                if isinstance(event, dict) and event.get("action") == "relay":
                    result = _relay(context)
                else:
                    result = _report(config, event, context)
            finally:
                log.info("relay run", extra={"emf": recorder.emf()})
        return result


def _relay(context) -> dict:
    from datetime import timedelta

    from shop import metrics, notify
    from shop.routes import utcnow

    env = _runtime.env
    # A hanging SNS or SES must not run the relay into its own timeout: sends
    # stop while the next one's worst case would not fit before it.
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    budget = notify.SendBudget(seconds=(remaining() / 1000 - 5) if remaining else 600.0)
    with _runtime.database.connect() as conn:
        relayed = notify.dispatch(
            conn,
            _runtime.notifier,
            now=utcnow,
            limit=RELAY_BATCH,
            budget=budget,
            deadline=budget.clock() + budget.seconds,
            max_attempts=int(env.get("SHOP_RELAY_MAX_ATTEMPTS", notify.MAX_ATTEMPTS)),
            backoff_first=timedelta(seconds=float(env.get("SHOP_RELAY_BACKOFF_SECONDS", "60"))),
        )
        backlog = notify.backlog(conn, now=utcnow())
    metrics.put("OutboxBacklog", backlog["rows"])
    metrics.put("OutboxBacklogAge", backlog["oldest_age_s"])
    return {"action": "relay", "retried": relayed, "backlog": backlog}


def _report(config, event, context) -> dict:
    from shop import report

    day = _day(event)
    with _runtime.database.connect() as conn:
        summary = report.summarise(conn, day)
    relayed = _relay(context)
    with _runtime.database.connect() as conn:
        from shop import notify

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
    return {
        **summary,
        "retried": relayed["retried"],
        "backlog": relayed["backlog"],
        "notifications": statuses,
        "emailed": emailed,
    }


def _day(event) -> date:
    if isinstance(event, dict) and isinstance(event.get("date"), str):
        try:
            return date.fromisoformat(event["date"])
        except ValueError as exc:
            raise ValueError(f"date must look like 2026-11-26, got {event['date']!r}") from exc
    from shop.routes import utcnow

    return utcnow().date() - timedelta(days=1)
