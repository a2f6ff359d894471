"""Fixtures of the failure drills (docs/reliability.md).

`drill_server` is a MariaDB of the drills' own, started once per session:
the outage drill kills and restarts it, so the shared test server is never
at risk. `stack` is `python -m local.stack` against a database of the
module's own (`drill_<module>`), started once per module with the module's
`STACK_OPTIONS`. Each drill's figures end up in build/drills/figures.json
and in the terminal summary.
"""

import json
from pathlib import Path

import drillkit
import drillstack
import pytest
from fakeaws import FakeAws

from support import pii

PASSWORDS = (drillstack.APP_PASSWORD,)

DRILLS_MARKER = "drills: failure drills against the local stack and a MariaDB of their own"


def pytest_configure(config):
    # Also declared in pyproject.toml; kept here so the folder runs on its own.
    config.addinivalue_line("markers", DRILLS_MARKER)


@pytest.fixture(scope="session")
def drill_server(tmp_path_factory):
    server = drillstack.DrillServer(tmp_path_factory.mktemp("drill-mariadb"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def fake(request):
    """Stand-ins for SNS and SES (fakeaws) that refuse the module's REFUSED addresses."""
    server = FakeAws(refused=set(request.module.REFUSED)).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def stack(request, drill_server, tmp_path_factory):
    """The local stack for this module's drills, on a database of its own; in a
    module that names REFUSED addresses its functions reach SNS and SES at `fake`."""
    name = request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_drill_")
    options = dict(getattr(request.module, "STACK_OPTIONS", {}))
    if hasattr(request.module, "REFUSED"):
        fake = request.getfixturevalue("fake")
        options["function_env"] = {
            **options.get("function_env", {}),
            "AWS_ENDPOINT_URL_SNS": fake.url,
            "AWS_ENDPOINT_URL_SES": fake.url,
        }
    directory = tmp_path_factory.mktemp(f"stack-{name}")
    with drillstack.local_stack(
        drill_server, directory, database=f"drill_{name}", **options
    ) as running:
        yield running
    # Every log line of the stack (the functions' included): no person's e-mail, no password.
    found = pii.findings(running.log_path.read_text(errors="replace"), passwords=PASSWORDS)
    assert not found, "personal data or a password in the logs:\n" + "\n".join(found[:20])
    drillkit.collect_emf(running.log_path)


@pytest.fixture(autouse=True)
def resets_are_counted():
    """Fail a drill whose clients had more connections reset than drillkit allows."""
    drillkit.CLIENTS.clear()
    yield
    resets = sum(client.resets for client in drillkit.CLIENTS)
    drillkit.CLIENTS.clear()
    assert resets <= drillkit.ALLOWED_RESETS, (
        f"the gateway reset {resets} connection(s) before reading the request "
        f"(allowed: {drillkit.ALLOWED_RESETS}); see Client in tests/drills/drillkit.py"
    )


@pytest.fixture
def client(stack):
    return drillkit.Client(stack.api_url)


def pytest_runtest_logreport(report):
    """Count each drill's outcomes (a parametrized test's cases together) and the span of
    the drills' own reports (in `make test` other tiers share the session)."""
    span = drillkit.TIER["span"] or [report.start, report.stop]
    if report.stop >= span[1]:  # the latest drill report yet: the machine as the tier ends
        drillkit.TIER["machine"] = drillkit.machine()
    drillkit.TIER["span"] = [min(span[0], report.start), max(span[1], report.stop)]
    if report.when == "call" or report.outcome != "passed":
        name = report.nodeid.split("[", 1)[0].rsplit("/", 1)[-1]
        counts = drillkit.TIER["outcomes"].setdefault(name, {})
        counts[report.outcome] = counts.get(report.outcome, 0) + 1


def pytest_sessionfinish(session, exitstatus):
    if not drillkit.RESULTS:
        return
    out = drillstack.ROOT / "build" / "drills"
    out.mkdir(parents=True, exist_ok=True)
    path = out / "figures.json"
    merged = json.loads(path.read_text()) if path.exists() else {}
    merged.update(drillkit.RESULTS)
    here = Path(__file__).parent
    ran = {item.path.name for item in session.items if item.path.parent == here}
    every = {p.name for p in here.glob("test_drill_*.py")}
    if every <= ran:  # every drill ran: the tier's counts and duration describe it
        merged["tier"] = drillkit.tier_figures()
    path.write_text(json.dumps(merged, indent=2, sort_keys=True) + "\n")


def pytest_terminal_summary(terminalreporter):
    if not drillkit.RESULTS:
        return
    terminalreporter.section("failure drills: figures (build/drills/figures.json)")
    for drill, figures in drillkit.RESULTS.items():
        terminalreporter.write_line(f"{drill}: {json.dumps(figures, sort_keys=True)}")
