"""The gateway cache keys exactly on the contract's cacheKeyParameters, through
the real handler: every key parameter separates entries, a signed `max-age=0`
is a miss (an unsigned one is ignored with a warning), entries expire, and
dropping parameters from the key shows the pitfall of `?p1=1&p2=2` and
`?p1=29&p2=28` sharing an answer."""

import pytest
import requests
from localkit import API_KEY, send

from local.cache import FRESH_READ, ResponseCache, parse_key_parameter
from local.gateway import IGNORED_HEADER, Gateway, forces_miss
from local.responses import Reply

LIST = "/v1/products"
BASE = {"category": "kitchen", "sort": "price", "page": "1", "page_size": "5"}


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def gateway_with(stack, cache: ResponseCache) -> Gateway:
    """A second gateway over the running stack's contract and workers, with its own cache."""
    g = stack.gateway
    return Gateway(
        g.contract,
        g.functions,
        stage=g.stage,
        cors_settings=g.cors,
        api_keys=g.api_keys,
        cache=cache,
        log=lambda line: None,
    )


@pytest.fixture
def api(local_stack):
    local_stack.gateway.cache.flush()

    def get(path, params=None, headers=None):
        return requests.get(local_stack.api_url + path, params=params, headers=headers, timeout=30)

    return get


@pytest.mark.parametrize(
    ("param", "first", "second"),
    [
        ("category", "kitchen", "outdoor"),
        ("min_price", "10.00", "20.00"),
        ("max_price", "30.00", "60.00"),
        ("q", "mug", "pan"),
        ("sort", "price", "-price"),
        ("page", "1", "2"),
        ("page_size", "5", "6"),
    ],
)
def test_each_query_key_parameter_separates_entries(api, param, first, second):
    one = api(LIST, {**BASE, param: first})
    again = api(LIST, {**BASE, param: first})
    other = api(LIST, {**BASE, param: second})
    assert (one.headers["x-cache"], again.headers["x-cache"]) == ("miss", "hit")
    assert again.content == one.content
    assert other.headers["x-cache"] == "miss"


def test_the_path_parameter_and_origin_are_in_the_product_key(api, local_stack):
    allowed = local_stack.gateway.cors.allowed_origins
    first = api("/v1/products/1", headers={"Origin": allowed[0]})
    assert api("/v1/products/1", headers={"Origin": allowed[0]}).headers["x-cache"] == "hit"
    other_id = api("/v1/products/2", headers={"Origin": allowed[0]})
    other_origin = api("/v1/products/1", headers={"Origin": allowed[1]})
    assert first.headers["x-cache"] == other_id.headers["x-cache"] == "miss"
    assert other_origin.headers["x-cache"] == "miss"
    # Each origin gets its own echo, never another origin's cached one.
    assert other_origin.headers["Access-Control-Allow-Origin"] == allowed[1]
    assert other_id.json()["id"] == 2


def test_a_signed_max_age_0_is_a_miss_that_refreshes_the_entry(api, local_stack):
    assert api(LIST, BASE).headers["x-cache"] == "miss"
    assert api(LIST, BASE).headers["x-cache"] == "hit"
    fresh = api(LIST, BASE, headers=FRESH_READ)
    assert fresh.headers["x-cache"] == "miss"
    assert IGNORED_HEADER[0] not in fresh.headers
    assert api(LIST, BASE).headers["x-cache"] == "hit"


def test_an_unsigned_max_age_0_is_ignored_and_flagged(local_stack):
    # AWS ignores max-age=0 from a caller without execute-api:InvalidateCache and,
    # with SUCCEED_WITH_RESPONSE_HEADER, flags the answer:
    # https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-caching.html#invalidate-method-caching
    clock = Clock()
    gateway = gateway_with(local_stack, ResponseCache(300, clock=clock))
    query = list(BASE.items())
    first = send(gateway, "GET", LIST, query=query)
    assert first.header("x-cache") == "miss"
    # GIVEN a cached entry whose stored answer differs from what the API now answers
    route, path_params = gateway.contract.match("GET", LIST)
    key = gateway.cache.key(
        "GET",
        route.resource,
        route.cache_key,
        query=dict((k, [v]) for k, v in query),
        path=path_params,
        headers={},
    )
    stale_body = b'{"stale": true}'
    gateway.cache.put(key, Reply(200, list(first.headers), stale_body))
    # WHEN unsigned callers ask for a fresh answer, with or without an API key
    no_cache = ("Cache-Control", "max-age=0")
    for extra in ([], [("x-api-key", API_KEY)], [("Authorization", "Bearer abc")]):
        unsigned = send(gateway, "GET", LIST, query=query, headers=[no_cache, *extra])
        # THEN the stale entry answers, with the warning
        assert unsigned.header("x-cache") == "hit"
        assert unsigned.body == stale_body
        assert unsigned.header(IGNORED_HEADER[0]) == IGNORED_HEADER[1]
    # WHEN a signed caller asks, THEN the entry is refreshed with no warning
    signed = send(gateway, "GET", LIST, query=query, headers=list(FRESH_READ.items()))
    assert signed.header("x-cache") == "miss"
    assert signed.body == first.body != stale_body
    assert signed.header(IGNORED_HEADER[0]) is None
    # AND a plain read afterwards is a hit on the fresh answer, unflagged
    after = send(gateway, "GET", LIST, query=query)
    assert (after.header("x-cache"), after.body) == ("hit", first.body)
    assert after.header(IGNORED_HEADER[0]) is None


def test_only_the_sigv4_scheme_counts_as_signed():
    assert forces_miss("max-age=0", FRESH_READ["Authorization"])
    assert forces_miss("no-store, Max-Age=0", "aws4-hmac-sha256 Credential=x")
    assert not forces_miss("max-age=0", None)
    assert not forces_miss("max-age=0", "AWS4-HMAC-SHA256")  # the scheme alone
    assert not forces_miss("max-age=0", "Basic dXNlcjpwYXNz")
    assert not forces_miss("max-age=10", FRESH_READ["Authorization"])


def test_only_cacheable_successes_are_cached(api):
    missing = [api("/v1/products/999999").headers["x-cache"] for _ in range(2)]
    assert missing == ["miss", "miss"]  # a 404 is never stored
    assert "x-cache" not in api("/v1/health").headers  # x-shop-cache: false


def test_entries_expire_after_the_ttl(local_stack):
    clock = Clock()
    gateway = gateway_with(local_stack, ResponseCache(300, clock=clock))
    query = list(BASE.items())
    assert send(gateway, "GET", LIST, query=query).header("x-cache") == "miss"
    clock.now += 299
    assert send(gateway, "GET", LIST, query=query).header("x-cache") == "hit"
    clock.now += 1
    assert send(gateway, "GET", LIST, query=query).header("x-cache") == "miss"


def test_dropping_parameters_from_the_key_shares_one_entry_between_queries(local_stack):
    # GIVEN the contract's key, two price ranges are two entries with two answers
    keyed = gateway_with(local_stack, ResponseCache(300))
    cheap = [("min_price", "1"), ("max_price", "20")]
    dear = [("min_price", "29"), ("max_price", "80")]
    first, second = send(keyed, "GET", LIST, query=cheap), send(keyed, "GET", LIST, query=dear)
    assert (first.header("x-cache"), second.header("x-cache")) == ("miss", "miss")
    assert first.body != second.body
    # WHEN min_price and max_price are left out of the key (the classic mistake)
    pitfall = gateway_with(local_stack, ResponseCache(300, drop={"min_price", "max_price"}))
    send(pitfall, "GET", LIST, query=cheap)
    wrong = send(pitfall, "GET", LIST, query=dear)
    # THEN the second query is served the first query's answer
    assert wrong.header("x-cache") == "hit"
    assert wrong.body == first.body


def test_the_stage_cache_can_be_flushed(api, local_stack):
    api(LIST, BASE)
    flushed = requests.delete(f"{local_stack.api_url}/_local/cache", timeout=10).json()
    assert flushed == {"flushed": 1}
    assert api(LIST, BASE).headers["x-cache"] == "miss"


def test_key_parameters_must_name_a_request_location():
    assert parse_key_parameter("method.request.querystring.page") == ("query", "page")
    assert parse_key_parameter("method.request.header.Origin") == ("header", "Origin")
    with pytest.raises(ValueError, match="not a cache key parameter"):
        parse_key_parameter("integration.request.querystring.page")
