"""The whole local system for browser tests: `python -m local.stack` on free
ports, and Debian's Chromium driven by Playwright.

The stack runs as a subprocess, exactly as `make dev` runs it, and is
stopped with SIGINT (its Ctrl-C path) so it cleans up its own workers. It
runs the dev stage from envs/dev.tfvars with one change: confirmation
e-mails are on (dev turns them off), because the tests check the outbox.
Playwright never downloads a browser here: it launches /usr/bin/chromium.
Pages are served with CloudFront's Content-Security-Policy (added here when
the local web server does not send one), so an inline script or style, or
a call to an origin the policy does not allow, fails the test.
"""

import json
import re
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from local import tfvars
from local.launch import Launched, LaunchError, launch
from support.mariadb import free_port

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
START_TIMEOUT_S = 120
STOP_TIMEOUT_S = 20


def chromium_missing_reason() -> str | None:
    """Return why browser tests cannot run here, or None when they can."""
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (CI installs Debian's chromium package)"
    return None


def pytest_collection_modifyitems(config, items):
    """Skip the browser tests, with the reason, when Chromium is not installed."""
    reason = chromium_missing_reason()
    if reason is None:
        return
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.skip(reason=reason))


def csp_for(api_url: str) -> str:
    """Return the storefront's Content-Security-Policy as CloudFront sends it
    (terraform/modules/static_site), with connect-src naming the local API's
    origin where AWS allows the region's execute-api hosts."""
    origin = "/".join(api_url.split("/")[:3])
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"connect-src 'self' {origin}; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
    )


@dataclass
class Stack(Launched):
    state_dir: Path | None = None
    api_key: str = ""

    def log(self) -> str:
        return self.log_tail(80)

    def outbox(self) -> dict:
        answer = requests.get(f"{self.api_url}/_local/outbox", timeout=10)
        answer.raise_for_status()
        return answer.json()


def e2e_tfvars(directory: Path) -> Path:
    """Write the dev stage's tfvars with order e-mails on; return its path.

    JSON values are valid tfvars literals, so the file needs no HCL writer.
    """
    values = tfvars.load(ROOT / "envs" / "dev.tfvars")
    app_config = values.setdefault("app_config", {})
    app_config["features"] = {**app_config.get("features", {}), "order_emails": True}
    path = directory / "e2e.tfvars"
    path.write_text(tfvars.dump(values))
    return path


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """Start the local stack on free ports; yield its URLs; stop it with SIGINT."""
    if reason := chromium_missing_reason():
        pytest.skip(reason)
    if not (ROOT / "local" / "stack.py").exists():
        pytest.fail("local/stack.py is missing: the e2e tests need the local stack")
    api_port, web_port, moto_port = free_port(), free_port(), free_port()
    state_dir = tmp_path_factory.mktemp("stack-state")
    api_key = "e2e-" + secrets.token_urlsafe(18)
    command = [
        "--api-port",
        str(api_port),
        "--web-port",
        str(web_port),
        "--moto-port",
        str(moto_port),
        "--state-dir",
        str(state_dir),
        "--tfvars",
        str(e2e_tfvars(tmp_path_factory.mktemp("stack-config"))),
        "--api-key",
        api_key,
    ]
    try:
        launched = launch(command, state_dir.with_suffix(".log"), timeout=START_TIMEOUT_S)
    except LaunchError as exc:
        pytest.fail(str(exc))
    stack = Stack(
        launched.process, launched.log_path, launched.urls, state_dir=state_dir, api_key=api_key
    )
    try:
        _wait_until_healthy(stack)
        yield stack
    finally:
        stack.stop(STOP_TIMEOUT_S)


def _wait_until_healthy(stack: Stack) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    last = None
    while time.monotonic() < deadline:
        try:
            answer = requests.get(f"{stack.api_url}/v1/health", timeout=5)
            if answer.status_code == 200:
                return
            last = f"{answer.status_code} {answer.text[:300]}"
        except requests.RequestException as exc:
            last = repr(exc)
        if stack.process.poll() is not None:
            break
        time.sleep(0.3)
    pytest.fail(f"GET /v1/health never answered 200 (last: {last}):\n{stack.log()}")


@pytest.fixture(scope="module")
def browser():
    if reason := chromium_missing_reason():
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@dataclass
class Tab:
    """A page plus what went wrong in it: console errors, page errors, CSP violations."""

    page: object
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def csp_violations(self) -> list[dict]:
        return self.page.evaluate("window.__cspViolations || []")

    def problems(self, *, allow: tuple[str, ...] = ()) -> list[str]:
        """Return console errors (except those matching `allow`), page errors and CSP violations."""
        found = [m for m in self.console_errors if not any(re.search(a, m) for a in allow)]
        found += self.page_errors
        found += [json.dumps(v) for v in self.csp_violations()]
        return found


# Recorded before any page script runs; a CSP violation cannot hide from it.
_RECORD_CSP = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push({directive: e.violatedDirective, blocked: e.blockedURI,
                               source: e.sourceFile, line: e.lineNumber});
});
"""


@pytest.fixture
def tab(browser, stack):
    """A fresh browser context (empty localStorage) with the storefront's CSP enforced."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    # Pages fulfilled by the CSP route below carry no server address, so Chromium's
    # Local Network Access check would treat them as public and block their calls
    # to the loopback API; on the real site both sides are public.
    context.grant_permissions(["local-network-access"])
    context.add_init_script(_RECORD_CSP)
    policy = csp_for(stack.api_url)

    def with_csp(route):
        if route.request.resource_type != "document":
            route.continue_()  # the policy is the document's; other files pass untouched
            return
        response = route.fetch()
        headers = dict(response.headers)
        if not any(name.lower() == "content-security-policy" for name in headers):
            headers["Content-Security-Policy"] = policy
        route.fulfill(response=response, headers=headers)

    context.route(f"{stack.web_url}/**", with_csp)
    page = context.new_page()
    page.set_default_timeout(15000)
    tab = Tab(page)
    page.on("console", lambda m: m.type == "error" and tab.console_errors.append(m.text))
    page.on("pageerror", lambda e: tab.page_errors.append(str(e)))
    yield tab
    context.unroute_all(behavior="ignoreErrors")
    context.close()
