"""The failure drills' figures in docs/reliability.md, rendered from docs/results/drills.json.

`make drills` (and `make test`) writes build/drills/figures.json: every
drill's own figures with when and under what load it was measured, and
`tier`, the last run of the whole tier (tests/drills/conftest.py).
`make docs` copies it to docs/results/drills.json when it is newer, as it
does the rehearsal's report, and renders the regions below from it.
"""

from collections.abc import Callable

from docs.figures_runs import RENDERERS, RESULTS, ROOT, num, read_json, renders, run_is_newer

DRILLS = RESULTS / "drills.json"
MALFORMED = (
    "test_drill_hostile_input.py::test_a_malformed_event_gets_a_4xx_json_error_from_the_handler"
)
DRILLS_RUN = ROOT / "build" / "drills" / "figures.json"


def take_drills() -> bool:
    """Copy the last drill run's figures (build/drills/figures.json) here when newer."""
    if not run_is_newer(DRILLS_RUN, DRILLS):
        return False
    RESULTS.mkdir(exist_ok=True)
    DRILLS.write_text(DRILLS_RUN.read_text())
    return True


# --- formatting ----------------------------------------------------------------


def statuses(by_status: dict[str, int]) -> str:
    return ", ".join(f"{num(n)} × {s}" for s, n in sorted(by_status.items()))


def lat(figures: dict | None, *keys: str) -> str:
    """p50 / p99 / max (or the `keys` given) of drillkit.latency, in ms."""
    if not figures:
        return "none"
    keys = keys or ("p50_ms", "p99_ms", "max_ms")
    return " / ".join(num(figures[k]) for k in keys) + " ms"


def yes(flag: bool) -> str:
    return "yes" if flag else "**no**"


def books(d: dict) -> str:
    """The reconciliation, as the drills' tables show it."""
    return (
        f"{d['confirmed_orders']} confirmed, {d['orders_in_database']} in the database, "
        f"{d['lost']} lost, {d['duplicated']} duplicated, stock consistent: "
        f"{yes(d['stock_consistent'])}"
    )


# --- the failure drills (docs/results/drills.json) -------------------------------

NOT_DRILLED = "not measured yet: `make drills`, then `make docs`"


def _drill(name: str) -> dict | None:
    data = read_json(DRILLS)
    return data.get(name) if data else None


def _tier() -> dict | None:
    data = read_json(DRILLS)
    return data.get("tier") if data else None


def _when(d: dict) -> str:
    """' (measured <time>, load average <n>)' when a drill was measured in another run
    than the tier's: outside the span of that run (its end minus its seconds, to the
    minute), be it the same day."""
    tier = _tier()
    if tier and _in_tier_run(d["measured"], tier):
        return ""
    return f" (measured {d['measured']}, load average {d['machine']['load_average_1m']})"


def _in_tier_run(measured: str, tier: dict) -> bool:
    from datetime import datetime, timedelta

    def minute(text: str) -> datetime | None:
        try:
            return datetime.strptime(text, "%Y-%m-%d %H:%M UTC")
        except ValueError:
            return None

    at, end = minute(measured), minute(tier["measured"])
    if at is None or end is None:
        return measured[:10] == tier["measured"][:10]
    start = end - timedelta(seconds=tier.get("seconds", 0)) - timedelta(minutes=1)
    return start <= at <= end


def drill_region(name: str) -> Callable:
    """Register a renderer of drill `name`'s figures; missing figures say how to get them."""

    def wrap(func):
        def render() -> str:
            d = _drill(name)
            return func(d) if d else f"({NOT_DRILLED})"

        RENDERERS[f"drill-{name.replace('_', '-')}"] = render
        return func

    return wrap


@renders("drills-minutes")
def drills_minutes() -> str:
    tier = _tier()
    return f"about {tier['seconds'] / 60:.0f} minutes" if tier else "minutes"


@renders("drills-tier")
def drills_tier() -> str:
    tier = _tier()
    if tier is None:
        return f"\nThe whole tier has not run yet ({NOT_DRILLED}).\n"
    failed = tier.get("failed", 0)
    return (
        f"\nFrom the last run of the whole tier, {tier['measured']}, on a "
        f"{tier['machine']['cores']}-core machine shared with other work (load average "
        f"{tier['machine']['load_average_1m']} when it ended): {tier.get('passed', 0)} passed, "
        f"{failed} failed, in {num(tier['seconds'])} s. Rendered by `make docs` from "
        "`docs/results/drills.json`, the drills' own figures; a drill measured in another "
        "run says when. Latencies depend on the machine's load: reported, never asserted.\n"
    )


@drill_region("db_outage")
def drill_db_outage(d: dict) -> str:
    rows = [
        ("requests", f"{num(d['requests'])}: {statuses(d['by_status'])}"),
        (
            "requests while the server was dead",
            f"{d['requests_while_down']}, each a 503 with `Retry-After`",
        ),
        ("503 latency p50 / p99 / max", lat(d["latency_503"])),
        ("201 latency p50 / p99 / max", lat(d["latency_201"])),
        (
            "orders placed / confirmed / in the database",
            f"{d['orders_placed']} / {d['confirmed_orders']} / {d['orders_in_database']}",
        ),
        (
            "retried after a 503 / of which replays (committed before the crash)",
            f"{d['orders_retried_after_503']} / {d['replays_after_503']}",
        ),
        (
            "lost / duplicated / unknown / wrong lines",
            f"{d['lost']} / {d['duplicated']} / {d['unknown']} / {d['wrong_lines']}",
        ),
        ("stock consistent", yes(d["stock_consistent"])),
        ("MariaDB restart (crash recovery included)", f"{d['mariadb_restart_s']:.2f} s"),
        (
            "first 201 after the restart command",
            f"{d['first_success_after_restart_command_s']:.2f} s",
        ),
        (
            "outage as clients saw it (kill → first 201)",
            f"{d['client_outage_s']:.2f} s ({d['down_s']:g} s of it on purpose)",
        ),
        (
            "requests started after the restart that failed",
            f"{d['failed_after_restart']} of {d['requests_after_restart']}",
        ),
        ("api workers replaced", str(d["workers_replaced"])),
        (
            "stale connections once idle; time to baseline",
            f"{d['stale_connections_after_idle']}; {d['threads_connected_baseline_after_s']:.2f} s",
        ),
    ]
    head = (
        f"{d['clients']} clients, {d['products']} products of {num(d['initial_stock'])} units, "
        f"{d['orders_before_the_kill']} orders confirmed before the kill and "
        f"{d['orders_after_the_restart']} after the restart{_when(d)}:"
    )
    table = ["| | |", "|---|---|", *(f"| {a} | {b} |" for a, b in rows)]
    return "\n" + head + "\n\n" + "\n".join(table) + "\n"


@drill_region("db_frozen")
def drill_db_frozen(d: dict) -> str:
    return (
        f"{d['requests_while_frozen']} requests while frozen: "
        f"{statuses(d['by_status_while_frozen'])}, each with `Retry-After`, "
        f"after {d['latency_503']['p50_ms'] / 1000:.2f} s "
        f"(p50; max {d['latency_503']['max_ms'] / 1000:.2f} s): the connect timeout "
        f"({d['connect_timeout_s']:g} s), not the read timeout ({d['read_timeout_s']:g} s). "
        f"Retries: {books(d)}; baseline connections "
        f"{d['threads_connected_baseline_after_s']:.2f} s after the thaw{_when(d)}."
    )


@drill_region("max_connections")
def drill_max_connections(d: dict) -> str:
    sat = d["latency_503_saturated"]
    return (
        f"limit {d['max_connections']}, {d['slots_taken_by_other_clients']} slots taken by "
        f"other clients: {d['requests_saturated']} requests, "
        f"{statuses(d['by_status_saturated'])} `the database has too many connections`, "
        f"p50 {num(sat['p50_ms'])} ms, max {num(sat['max_ms'])} ms; "
        f"{d['workers_replaced']} workers replaced. With two slots free: "
        f"{d['requests_with_two_free_slots']} requests "
        f"({statuses(d['by_status_with_two_free_slots'])}, every 503 retried with its key); "
        f"{books(d)}; baseline connections {d['threads_connected_baseline_after_s']:.2f} s "
        f"after the hogs left{_when(d)}."
    )


@renders("drill-concurrent-orders")
def drill_concurrent_orders() -> str:
    rows = []
    if d := _drill("last_units"):
        rows.append(
            (
                f"last units, {d['rounds']} rounds of 16 buyers for 5",
                d["requests"],
                f"{d['won']} × 201, {d['lost_race_409']} × 409 `out_of_stock`, "
                f"{d['oversold']} oversold, stock 0 each round",
            )
        )
    if d := _drill("mixed_quantities"):
        rows.append(
            (
                f"12 buyers of 1–4 units ({d['units_asked']} in all) for 10",
                d["requests"],
                f"{statuses(d['by_status'])} (which buyers win depends on the race); "
                f"{d['units_sold']} units sold, {d['left']} left; "
                "each 409 wanted more than was left",
            )
        )
    if d := _drill("opposite_line_order"):
        rows.append(
            (
                "two-line orders in opposite orders, 6 + 6 units",
                d["requests"],
                f"{statuses(d['by_status'])}, no deadlock answered, both stocks 0",
            )
        )
    if d := _drill("idempotent_retries"):
        rows.append(
            (
                f"{d['keys']} keys × 6 copies at once",
                d["requests"],
                f"{statuses(d['by_status'])} (the 200s replays), "
                f"{d['orders_in_database']} orders, {d['duplicated']} duplicated; "
                f"{d['connection_resets_retried']} connections reset",
            )
        )
    if d := _drill("key_reused_with_another_body"):
        rows.append(
            (
                "1 key, 2 bodies × 3",
                d["requests"],
                f"{statuses(d['by_status'])} (409: `Idempotency-Key`), 1 order",
            )
        )
    if d := _drill("idempotent_retries_for_the_last_units"):
        rows.append(
            (
                "5 keys × 3 copies for 3 units",
                d["requests"],
                f"{statuses(d['by_status'])}, {d['orders_in_database']} orders, "
                f"{d['deadlocks_answered_503']} deadlocks answered 503",
            )
        )
    if d := _drill("connection_burst"):
        rows.append(
            (
                f"{d['connections']} new connections while the gateway is paused",
                d["connections"],
                f"{d['established_while_paused']} queued by the kernel for the gateway (F9)",
            )
        )
    if not rows:
        return f"\n({NOT_DRILLED})\n"
    lines = ["| drill | requests | outcome |", "|---|---|---|"]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    return "\n" + "\n".join(lines) + "\n"


@drill_region("notification_outage")
def drill_notification_outage(d: dict) -> str:
    return (
        f"{d['orders']} orders, {statuses(d['by_status'])}; "
        f"{d['sends_failed_in_requests']} sends failed in the requests and were recorded, "
        f"{d['sends_left_to_the_relay']} left pending to the relay by the send budget; "
        f"{d['retry_runs_during_outage']} retry run during the outage (every send still failed, "
        "none lost; the run itself fails because its own report e-mail cannot go either); "
        f"after recovery {d['sent_after_recovery']} sent, {d['sent_twice']} sent twice, "
        f"{d['lost']} lost; a further run sends {d['sent_by_a_further_run']}. "
        f"Orders: {books(d)}{_when(d)}."
    )


@drill_region("password_rotation")
def drill_password_rotation(d: dict) -> str:
    return (
        f"{d['clients']} clients, {d['api_workers']} api workers, {d['rotations']} rotations: "
        f"{d['requests']} requests, {statuses(d['by_status'])}, "
        f"**{d['failed_requests']} failed**; {d['secret_rereads_after_1045']} secret re-reads "
        f"after 1045; {books(d)}. Latency p50 / p99 / max {lat(d['latency'])}: "
        f"{d['clients']} clients queue for {d['api_workers']} workers{_when(d)}."
    )


def _answered_in_time(d: dict) -> str:
    """The orders' answers under a notification drill, and how long they took."""
    return (
        f"{statuses(d['by_status'])} (none the gateway's 502 or 504 of a function past its "
        f"{d['api_timeout_s']:g} s timeout), p50 / p99 / max {lat(d['order_latency'])} "
        f"(queueing for {d['api_workers']} workers included)"
    )


def _delivered(d: dict) -> str:
    """What the relay delivered after a notification drill, and what it parked."""
    return (
        f"{d['events_delivered']} SNS events and {d['emails_delivered']} e-mails delivered, "
        f"{d['delivered_twice']} twice; {d['parked']} e-mails to the refused address parked"
    )


@drill_region("notifications_hanging_then_refusing")
def drill_notifications_slow(d: dict) -> str:
    return (
        f"{d['clients']} clients, {d['orders']} orders, {d['api_workers']} api workers: "
        f"{_answered_in_time(d)}; {d['sends_that_hung']} sends hung "
        f"in the requests. After recovery, {d['relay_runs']} relay runs: {_delivered(d)} "
        f"after their last attempt ({d['parked_after_attempts']}; {d['refusals']} refusals); "
        f"orders {d['lost']} lost, {d['duplicated']} duplicated{_when(d)}."
    )


@drill_region("notifications_refused_under_load")
def drill_notifications_refused(d: dict) -> str:
    return (
        f"{d['clients']} clients, {d['orders']} orders, {d['api_workers']} api workers, "
        f"{d['relay_runs_during_load']} relay runs beside them: {_answered_in_time(d)}. "
        f"Then {d['relay_runs_after']} relay runs: {_delivered(d)} "
        f"after exactly {d['parked_after_attempts']} attempts each ({d['refusals']} refusals "
        f"in all); orders {d['lost']} lost, {d['duplicated']} duplicated{_when(d)}."
    )


@drill_region("emf_metrics")
def drill_emf_metrics(d: dict) -> str:
    units = {k: v for k, v in d.items() if k not in ("measured", "machine")}
    counted = [name for name, unit in units.items() if unit == "Count"]
    other = ", ".join(f"`{name}` {unit}" for name, unit in sorted(units.items()) if unit != "Count")
    return (
        f"the drills' logs carry {len(units)} metrics, each with its unit ({other}, "
        f"the {len(counted)} others Count); no EMF line was invalid"
    )


@renders("drill-hostile-input")
def drill_hostile_input() -> str:
    rows = []
    if d := _drill("schemathesis"):
        failures = ", ".join(f"{k} × {n}" for k, n in d["failures"].items()) or "none"
        rows += [
            (
                "schemathesis requests (= test cases)",
                f"{num(d['requests'])} in {d['seconds']:g} s, {d['operations']} operations, "
                f"{d['max_examples']} examples, seed {d['seed']}",
            ),
            ("by status", statuses(d["by_status"])),
            ("failures", failures),
        ]
    tier = _tier()
    malformed = (tier or {}).get("outcomes", {}).get(MALFORMED)
    if malformed:
        total = sum(malformed.values())
        rows.append(
            (
                f"malformed events ({total})",
                f"{malformed.get('passed', 0)} of {total} answered as expected",
            )
        )
    if d := _drill("fuzzed_events"):
        fuzz = (
            (tier or {})
            .get("outcomes", {})
            .get("test_drill_hostile_input.py::test_fuzzed_events_never_get_a_server_error", {})
        )
        verdict = "no server error" if fuzz.get("passed") else "**failed**"
        rows.append((f"fuzzed events ({d['events']})", verdict))
    if d := _drill("body_limits"):
        rows.append(
            (
                f"bodies at and over the limit ({num(d['max_body_bytes'])} bytes)",
                f"{d['over_the_limit_413']} of {d['requests'] // 2} one byte over → 413; at the "
                f"limit {', '.join(map(str, d['at_the_limit']))}, never 413",
            )
        )
    if not rows:
        return f"\n({NOT_DRILLED})\n"
    lines = ["| | |", "|---|---|", *(f"| {a} | {b} |" for a, b in rows)]
    return "\n" + "\n".join(lines) + "\n"


@renders("drill-timeout")
def drill_timeout() -> str:
    a, b = _drill("timeout_function_timeout"), _drill("timeout_integration_timeout")
    if not (a and b):
        return f"({NOT_DRILLED})"
    return (
        f"deadline {a['deadline_s']:g} s: answered after {a['answered_after_s']:.2f} s with "
        f"{a['answer']} (function timeout) and after {b['answered_after_s']:.2f} s with "
        f"{b['answer']} (integration timeout); {a['order_rows_after_timeout']} order rows, stock "
        f"unchanged; the killed worker's session lingers while it still waits for the lock "
        f"({a['sessions_lingering_while_locked']} session) and is gone "
        f"{a['back_to_baseline_after_release_s']:.2f} s after the lock is released; the retry "
        f"makes {a['confirmed_orders']} order{_when(a)}"
    )


@drill_region("lock_wait")
def drill_lock_wait(d: dict) -> str:
    answers = "; ".join(
        f"`{text}` after {s:.2f} s"
        for text, s in zip(d["answers"], d["answered_after_s"], strict=True)
    )
    left = ", ".join(map(str, d["sessions_lingering_after_each_answer"]))
    return f"{answers}; sessions left behind after each answer: {left}{_when(d)}"


# --- the workloads the drills table names (the same run's figures) ---------------------


def _fact(name: str, drill: str, text: Callable[[dict], str]) -> None:
    def render() -> str:
        d = _drill(drill)
        return text(d) if d else f"({NOT_DRILLED})"

    RENDERERS[name] = render


_fact(
    "drill-schemathesis-operations", "schemathesis", lambda d: f"all {d['operations']} operations"
)
_fact(
    "drill-schemathesis-examples",
    "schemathesis",
    lambda d: f"{d['max_examples']} examples, seed {d['seed']}",
)
_fact("drill-fuzz-count", "fuzzed_events", lambda d: f"{d['events']} derandomised Hypothesis")
_fact("drill-body-limit", "body_limits", lambda d: f"`max_body_bytes` ({num(d['max_body_bytes'])})")

_fact(
    "drill-db-outage-workload",
    "db_outage",
    lambda d: (
        f"{d['clients']} clients (orders, reads, health) until "
        f"{d['orders_before_the_kill']} orders are confirmed; `kill -9` of mariadbd; "
        f"{d['down_s']:g} s of load against the dead server; restart on the same data dir and "
        f"port; {d['orders_after_the_restart']} more orders"
    ),
)
_fact(
    "drill-max-connections-limit",
    "max_connections",
    lambda d: f"`SET GLOBAL max_connections = {d['max_connections']}`",
)
_fact(
    "drill-rotation-workload",
    "password_rotation",
    lambda d: (
        f"{d['clients']} clients (orders and product reads) on {d['api_workers']} api workers"
    ),
)
_fact(
    "drill-notifications-slow-workload",
    "notifications_hanging_then_refusing",
    lambda d: f"{d['clients']} clients place {d['orders']} orders",
)

_fact(
    "drill-notifications-refused-workload",
    "notifications_refused_under_load",
    lambda d: f"{d['clients']} clients place {d['orders']} orders",
)

_fact(
    "drill-db-timeouts",
    "db_frozen",
    lambda d: (
        f"the connect timeout ({d['connect_timeout_s']:g} s) from the read timeout "
        f"({d['read_timeout_s']:g} s)"
    ),
)


@renders("drill-malformed-count")
def drill_malformed_count() -> str:
    outcomes = (_tier() or {}).get("outcomes", {}).get(MALFORMED, {})
    return f"{sum(outcomes.values())} malformed events" if outcomes else f"({NOT_DRILLED})"
