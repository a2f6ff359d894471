"""The storefront and the API docs in a real browser against the whole local
system: local API Gateway, the real Lambda handler, moto and the database.

A shopper filters the catalogue, opens a product, fills a cart and orders;
the order must then be in the database (read back through the API), stock
must have gone down exactly once, and the confirmation e-mail must be in
the local outbox. Every page runs under CloudFront's Content-Security-Policy
and must log no errors.
"""

import json
import re
import time
import uuid
from pathlib import Path

import pytest
import requests
import yaml
from playwright.sync_api import expect

from local.cache import FRESH_READ

# Skipped (by conftest) only when /usr/bin/chromium is missing.
pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
NO_CACHE = FRESH_READ  # read past the gateway cache (a signed max-age=0)


def api_get(stack, path: str) -> requests.Response:
    return requests.get(f"{stack.api_url}{path}", headers=NO_CACHE, timeout=15)


def stock_of(stack, product_id: int) -> int:
    answer = api_get(stack, f"/v1/products/{product_id}")
    assert answer.status_code == 200, answer.text
    return answer.json()["stock"]


@pytest.fixture(scope="module")
def catalogue(stack):
    """Create this module's own products (one fresh category) through the admin API."""
    category = f"e2e-{uuid.uuid4().hex[:8]}"
    wanted = {
        "lantern": ("Storm lantern", "19.99", 10),
        "wick": ("Storm lantern wick", "0.10", 50),
        "xl": ("Storm lantern XL", "120.00", 3),
        "tealight": ("Tea light", "0.20", 50),
    }
    made = {}
    for key, (name, price, stock) in wanted.items():
        body = {
            "sku": f"{category}-{key}".upper(),
            "name": name,
            "description": f"{name} for the browser test.",
            "category": category,
            "price": price,
            "stock": stock,
        }
        for _attempt in range(50):
            answer = requests.post(
                f"{stack.api_url}/v1/products",
                json=body,
                headers={"x-api-key": stack.api_key},
                timeout=15,
            )
            if answer.status_code != 429:
                break
            time.sleep(0.2)
        assert answer.status_code == 201, answer.text
        made[key] = answer.json()
    return {"category": category, **made}


def wait_for_email(stack, address: str, order_id: str, timeout: float = 15.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        outbox = stack.outbox()
        for email in outbox.get("emails", []):
            if address in email.get("to", []) and order_id in (email.get("subject") or ""):
                return {"email": email, "outbox": outbox}
        if time.monotonic() > deadline:
            pytest.fail(f"no confirmation e-mail to {address} for {order_id}: {json.dumps(outbox)}")
        time.sleep(0.3)


def record_orders(page) -> list[dict]:
    """Return a list that fills with the POST /v1/orders requests the page sends."""
    sent: list[dict] = []
    page.on(
        "request",
        lambda r: (
            r.method == "POST"
            and r.url.endswith("/v1/orders")
            and sent.append({"key": r.headers.get("idempotency-key"), "body": r.post_data})
        ),
    )
    return sent


def names_in_list(page) -> list[str]:
    return page.locator("#product-list .card-title").all_inner_texts()


def test_shopper_filters_orders_and_sees_confirmation(tab, stack, catalogue):
    page = tab.page
    lantern, wick = catalogue["lantern"], catalogue["wick"]
    lantern_stock, wick_stock = lantern["stock"], wick["stock"]
    email = f"shopper-{uuid.uuid4().hex[:8]}@example.com"

    # GIVEN the storefront, WHEN the shopper filters by category, name, price and sorts by price
    page.goto(f"{stack.web_url}/")
    page.locator("#product-list li").first.wait_for()
    page.get_by_label("Category").fill(catalogue["category"])
    page.get_by_label("Name contains").fill("lantern")
    page.get_by_label("Max price").fill("100")
    page.get_by_label("Sort by").select_option("price")
    page.get_by_role("button", name="Apply filters").click()

    # THEN only the matching products show, cheapest first, and the URL keeps the filters
    # (Playwright's string predicates need eval, which the CSP forbids: wait with locators.)
    expect(page.locator("#result-summary")).to_have_text("Showing 1–2 of 2 products.")
    assert names_in_list(page) == ["Storm lantern wick", "Storm lantern"]
    assert f"category={catalogue['category']}" in page.url and "sort=price" in page.url

    # WHEN one product goes in from the list and another from its own page
    page.get_by_role("button", name="Add Storm lantern wick to cart").click()
    expect(page.locator("#cart-count")).to_have_text("1")
    page.get_by_role("link", name="Storm lantern", exact=True).click()
    page.get_by_role("heading", name="Storm lantern", exact=True, level=1).wait_for()
    assert page.locator("#product-price").inner_text() == "19.99 EUR"
    assert page.locator("#product-stock").inner_text() == f"{lantern_stock} in stock"
    page.get_by_label("Quantity").fill("3")
    page.get_by_role("button", name="Add to cart").click()
    assert "Added 3 × Storm lantern" in page.locator("#status").inner_text()
    expect(page.locator("#cart-count")).to_have_text("4")

    # THEN the cart totals in exact cents (0.10 + 3 x 19.99), also after a reload
    page.get_by_role("link", name=re.compile(r"^Cart")).click()
    page.locator("#cart-lines tr").nth(1).wait_for()
    assert page.locator("#cart-total").inner_text() == "60.07 EUR"
    page.reload()
    page.locator("#cart-lines tr").nth(1).wait_for()
    assert page.locator("#cart-lines .line-total").all_inner_texts() == ["0.10 EUR", "59.97 EUR"]
    assert page.locator("#cart-total").inner_text() == "60.07 EUR"

    # WHEN the shopper orders with a double click
    sent = record_orders(page)
    page.get_by_label("E-mail address").fill(email)
    page.get_by_role("button", name="Place order").dblclick()

    # THEN the confirmation shows the order id, its lines and the total
    page.get_by_role("heading", name="Order confirmed").wait_for()
    order_id = page.locator("#order-id").inner_text()
    assert re.fullmatch(r"[0-9a-f]{32}", order_id)
    assert f"Order {order_id} placed." in page.locator("#status").inner_text()
    rows = page.locator("#order-lines tr")
    assert rows.count() == 2
    assert page.locator("#order-total").inner_text() == "60.07 EUR"
    assert email in page.locator("#order-intro").inner_text()
    expect(page.locator("#cart-count")).to_have_text("0")
    assert len(sent) == 1 and UUID.match(sent[0]["key"]), sent

    # AND the order is in the database, stock went down once, the e-mail went out
    order = api_get(stack, f"/v1/orders/{order_id}")
    assert order.status_code == 200, order.text
    body = order.json()
    assert body["customer_email"] == email
    assert body["total"] == "60.07"
    assert {line["product_id"]: line["quantity"] for line in body["items"]} == {
        lantern["id"]: 3,
        wick["id"]: 1,
    }
    assert stock_of(stack, lantern["id"]) == lantern_stock - 3
    assert stock_of(stack, wick["id"]) == wick_stock - 1
    found = wait_for_email(stack, email, order_id)
    assert "60.07" in found["email"]["body"]
    events = [e["message"] for e in found["outbox"].get("events", [])]
    assert any(isinstance(m, dict) and m.get("order", {}).get("id") == order_id for m in events), (
        events
    )

    # AND the confirmation survives a reload (read back from GET /v1/orders/{id})
    page.reload()
    page.locator("#order-total").filter(has_text="60.07 EUR").wait_for()
    assert tab.problems() == []


def test_retry_after_a_lost_answer_replays_the_same_order(tab, stack, catalogue):
    page = tab.page
    tealight = catalogue["tealight"]
    before = stock_of(stack, tealight["id"])
    email = f"retry-{uuid.uuid4().hex[:8]}@example.com"
    sent = record_orders(page)
    calls = {"n": 0}

    def lose_first_answer(route):
        # The first attempt reaches the API and places the order, but the shopper's
        # browser gets a 503 with Retry-After instead (a lost or failed answer).
        calls["n"] += 1
        if calls["n"] > 1:
            route.continue_()
            return
        real = route.fetch()
        assert real.status == 201, real.text()
        route.fulfill(
            status=503,
            headers={
                "Content-Type": "application/json",
                "Retry-After": "1",
                "Access-Control-Allow-Origin": stack.web_url,
                "Access-Control-Expose-Headers": "Retry-After",
                "Vary": "Origin",
            },
            body=json.dumps(
                {
                    "error": {
                        "code": "service_unavailable",
                        "message": "the database is busy; retry shortly",
                        "request_id": "e2e-lost-answer",
                    }
                }
            ),
        )

    page.route(f"{stack.api_url}/v1/orders", lose_first_answer)
    page.goto(f"{stack.web_url}/#/product/{tealight['id']}")
    page.get_by_role("heading", name="Tea light", level=1).wait_for()
    page.get_by_label("Quantity").fill("2")
    page.get_by_role("button", name="Add to cart").click()
    page.goto(f"{stack.web_url}/#/cart")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_role("button", name="Place order").click()

    # THEN the error says what happened and when to retry
    alert = page.get_by_role("alert")
    alert.get_by_text("the database is busy; retry shortly").wait_for()
    assert "Please retry in 1 second." in alert.inner_text()
    assert "e2e-lost-answer" in alert.inner_text()
    retry = page.get_by_role("button", name="Retry")
    assert retry.is_disabled()  # unlocks after Retry-After

    # WHEN the shopper retries, THEN the API replays the first order: no second order
    retry.click()  # Playwright waits until it is enabled
    page.get_by_role("heading", name="Order confirmed").wait_for()
    order_id = page.locator("#order-id").inner_text()
    assert "had already been placed" in page.locator("#status").inner_text()
    assert len(sent) == 2 and sent[0]["key"] == sent[1]["key"], sent
    assert sent[0]["body"] == sent[1]["body"]
    assert stock_of(stack, tealight["id"]) == before - 2
    assert api_get(stack, f"/v1/orders/{order_id}").json()["total"] == "0.40"
    assert tab.problems(allow=(r"status of 503",)) == []


def test_api_errors_name_the_field(tab, stack, catalogue):
    page = tab.page
    # GIVEN filters the API refuses (min above max)
    page.goto(f"{stack.web_url}/#/?min_price=50&max_price=10")
    alert = page.get_by_role("alert")
    alert.get_by_text("min_price must not be greater than max_price").wait_for()
    assert alert.locator("[data-fact=field]").inner_text() == "min_price"
    assert alert.locator("[data-fact='request id']").inner_text().strip() != ""
    assert page.get_by_label("Min price").get_attribute("aria-invalid") == "true"

    # WHEN a price is not an amount, THEN the page says so without asking the API
    page.wait_for_load_state("networkidle")
    asked = []
    page.on("request", lambda r: "min_price=12" in r.url and asked.append(r.url))
    page.get_by_label("Min price").fill("12,50")
    page.get_by_role("button", name="Apply filters").click()
    assert page.locator("#f-min-error").inner_text() == "Enter an amount such as 12 or 12.50."
    assert asked == []

    # WHEN the API refuses the e-mail address at checkout, THEN the field is named and marked
    page.goto(f"{stack.web_url}/#/product/{catalogue['lantern']['id']}")
    page.get_by_role("button", name="Add to cart").click()
    page.goto(f"{stack.web_url}/#/cart")
    page.get_by_label("E-mail address").fill("ada@localhost")  # valid for the browser, not the API
    page.get_by_role("button", name="Place order").click()
    alert.locator("[data-fact=field]").filter(has_text="customer_email").wait_for()
    assert page.get_by_label("E-mail address").get_attribute("aria-invalid") == "true"
    assert page.locator("#cart-count").inner_text() == "1"  # nothing ordered, cart kept
    assert tab.problems(allow=(r"status of 422",)) == []


def test_storefront_is_labelled_and_fits_a_phone(tab, stack, catalogue):
    page = tab.page
    page.set_viewport_size({"width": 375, "height": 812})
    page.goto(f"{stack.web_url}/#/?category={catalogue['category']}")
    page.locator("#product-list li").first.wait_for()
    for route in ("#/", f"#/product/{catalogue['wick']['id']}", "#/cart"):
        page.goto(f"{stack.web_url}/{route}")
        page.wait_for_load_state("networkidle")
        unlabelled = page.evaluate(
            """() => [...document.querySelectorAll('input, select, textarea')]
                 .filter((e) => e.type !== 'hidden' && e.labels.length === 0).map((e) => e.id)"""
        )
        assert unlabelled == [], route
        nameless = page.evaluate(
            """() => [...document.querySelectorAll('button')]
                 .filter((b) => !(b.getAttribute('aria-label') || b.textContent.trim())).length"""
        )
        assert nameless == 0, route
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{route} scrolls sideways by {overflow}px on a phone"
    assert page.locator("#status").get_attribute("role") == "status"
    assert tab.problems() == []


def test_money_is_computed_in_exact_cents(tab, stack):
    """The page's money module, run in the browser: no float ever rounds a total."""
    page = tab.page
    page.goto(f"{stack.web_url}/")
    page.locator("#product-list li").first.wait_for()
    results = page.evaluate(
        """async () => {
             const m = await import("./assets/money.js");
             const fails = (text) => {
               try { m.toCents(text); return false; } catch { return true; }
             };
             return {
               tenth_plus_fifth: m.formatCents(m.toCents("0.1") + m.toCents("0.2")),
               three_times: m.formatCents(m.lineCents("19.99", 3)),
               largest_line: m.formatCents(m.lineCents("99999999.99", 100)),
               one_place: m.display("12.5", "EUR"),
               refused: ["1e3", "12.345", "-1", "", "12,50", " 1"].filter(fails).length,
             };
           }"""
    )
    assert results == {
        "tenth_plus_fifth": "0.30",
        "three_times": "59.97",
        "largest_line": "9999999999.00",
        "one_place": "12.50 EUR",
        "refused": 6,
    }


def contract_operations() -> dict[str, dict]:
    document = yaml.safe_load((ROOT / "api" / "openapi.yaml").read_text(encoding="utf-8"))
    return {
        op["operationId"]: {"method": method, "path": path, "op": op}
        for path, item in document["paths"].items()
        for method, op in item.items()
        if method in {"get", "post", "put", "patch", "delete"}
    }


def test_docs_page_renders_every_operation_of_the_contract(tab, stack):
    page = tab.page
    operations = contract_operations()
    page.goto(f"{stack.web_url}/docs/index.html")
    page.locator("#docs-content").wait_for()

    rendered = page.eval_on_selector_all(
        "[data-operation-id]", "els => els.map((e) => e.dataset.operationId)"
    )
    assert sorted(rendered) == sorted(operations)  # every operation, no OPTIONS preflight
    text = page.locator("main").inner_text()
    assert "x-amazon-apigateway" not in text and "x-shop-" not in text
    assert "preflight" in page.locator("#cors-text").inner_text()

    for operation_id, spec in operations.items():
        section = page.locator(f"section[data-operation-id='{operation_id}']")
        title = section.locator(".op-title").inner_text()
        assert spec["method"].upper() in title and spec["path"] in title
        assert spec["op"]["summary"] in section.inner_text()
        needs_key = bool(spec["op"].get("security"))
        auth = section.locator("[data-auth]").get_attribute("data-auth")
        assert auth == ("api-key" if needs_key else "public"), operation_id
        curl = section.locator("pre.curl").inner_text()
        assert curl.splitlines()[-1].startswith(("curl", "  ")) and "curl -sS" in curl
        assert ("x-api-key: $API_KEY" in curl) == needs_key, operation_id
        for param in spec["op"].get("parameters", []):
            if "name" in param:
                assert section.locator(f"[data-param='{param['in']}:{param['name']}']").count()

    # The examples are real: the public GETs without path parameters answer 200 as written.
    for operation_id in ("getHealth", "listProducts"):
        curl = page.locator(f"section[data-operation-id='{operation_id}'] pre.curl").inner_text()
        url = re.search(r"'(http[^']+)'", curl).group(1)
        assert url.startswith(stack.api_url), url
        assert requests.get(url, timeout=15).status_code == 200, url
    assert tab.problems() == []
