"""The config document, key by key: what an operator writes in SSM is what the API runs with."""

import json

import pytest

from shop.config import AppConfig, ConfigError, ConfigLoader, alias_from_arn, parse_config

EVERY_KEY = {
    "log_level": "debug",
    "cors_allowed_origins": ["https://a.example.com", "http://localhost:8080"],
    "page_size_default": 7,
    "page_size_max": 9,
    "max_body_bytes": 1234,
    "currency": "USD",
    "sender_email": "shop@example.com",
    "report_recipients": ["ops@example.com"],
    "retry_after_seconds": 11,
    "warmer": {"concurrency": 3, "hold_ms": 250, "prime": False},
    "features": {"order_emails": False, "order_events": False},
}


def test_every_key_of_the_document_reaches_the_config():
    config = parse_config("qa", json.dumps(EVERY_KEY), site_origins=("https://site.example.com",))
    assert config == AppConfig(
        stage="qa",
        log_level="DEBUG",
        cors_allowed_origins=(
            "https://site.example.com",
            "https://a.example.com",
            "http://localhost:8080",
        ),
        page_size_default=7,
        page_size_max=9,
        max_body_bytes=1234,
        currency="USD",
        sender_email="shop@example.com",
        report_recipients=("ops@example.com",),
        retry_after_seconds=11,
        warmer_concurrency=3,
        warmer_hold_ms=250,
        warmer_prime=False,
        order_emails=False,
        order_events=False,
    )


def test_an_empty_document_gives_the_documented_defaults():
    config = parse_config("dev", "{}")
    assert config == AppConfig(stage="dev")
    assert (config.log_level, config.page_size_default, config.page_size_max) == ("INFO", 20, 100)
    assert (config.max_body_bytes, config.currency, config.sender_email) == (65536, "EUR", "")
    assert (config.report_recipients, config.retry_after_seconds) == ((), 2)
    assert (config.warmer_concurrency, config.warmer_hold_ms, config.warmer_prime) == (1, 100, True)
    assert (config.order_emails, config.order_events, config.cors_allowed_origins) == (
        True,
        True,
        (),
    )


def test_a_site_origin_also_in_the_document_is_listed_once():
    text = json.dumps({"cors_allowed_origins": ["https://s.example.com", "https://b.example.com"]})
    config = parse_config("qa", text, site_origins=("https://s.example.com",))
    assert config.cors_allowed_origins == ("https://s.example.com", "https://b.example.com")


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"page_size_default": "20"}, "config key page_size_default must be a int"),
        ({"page_size_max": True}, "config key page_size_max must be a int"),
        ({"max_body_bytes": 1.5}, "config key max_body_bytes must be a int"),
        ({"currency": 1}, "config key currency must be a str"),
        ({"sender_email": None}, "config key sender_email must be a str"),
        ({"report_recipients": "ops@example.com"}, "config key report_recipients must be a list"),
        ({"retry_after_seconds": "2"}, "config key retry_after_seconds must be a int"),
        ({"cors_allowed_origins": "https://a.example.com"}, "cors_allowed_origins must be a list"),
        ({"warmer": []}, "config key warmer must be a dict"),
        ({"features": "all"}, "config key features must be a dict"),
        ({"warmer": {"concurrency": "3"}}, "config key warmer.concurrency must be a int"),
        ({"warmer": {"hold_ms": False}}, "config key warmer.hold_ms must be a int"),
        ({"warmer": {"prime": "yes"}}, "config key warmer.prime must be a bool"),
        ({"features": {"order_emails": 1}}, "config key features.order_emails must be a bool"),
        ({"features": {"order_events": 0}}, "config key features.order_events must be a bool"),
    ],
)
def test_a_key_of_the_wrong_type_is_named(document, message):
    with pytest.raises(ConfigError) as caught:
        parse_config("dev", json.dumps(document))
    assert str(caught.value).endswith(message)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (
            {"log_level": "verbose"},
            "config key log_level must be one of DEBUG, INFO, WARNING, ERROR",
        ),
        (
            {"page_size_default": 0},
            "config keys need 1 <= page_size_default <= page_size_max <= 100",
        ),
        ({"page_size_default": 30, "page_size_max": 20}, "page_size_default <= page_size_max"),
        ({"page_size_max": 101}, "page_size_max <= 100"),
        ({"max_body_bytes": 0}, "config key max_body_bytes must be between 1 and 10485760"),
        ({"max_body_bytes": 10485761}, "max_body_bytes must be between 1 and 10485760"),
        ({"cors_allowed_origins": ["https://a.example.com/"]}, "has 'https://a.example.com/'"),
        ({"cors_allowed_origins": ["ftp://a.example.com"]}, "origins look like"),
        ({"cors_allowed_origins": ["https://"]}, "(no path, no trailing slash)"),
        ({"cors_allowed_origins": [7]}, "cors_allowed_origins has 7"),
    ],
)
def test_a_value_out_of_range_is_refused_saying_what_is_allowed(document, message):
    with pytest.raises(ConfigError, match="config key") as caught:
        parse_config("dev", json.dumps(document))
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"page_size_max": 101}, "config keys need 1 <= page_size_default <= page_size_max <= 100"),
        ({"max_body_bytes": 0}, "config key max_body_bytes must be between 1 and 10485760"),
        (
            {"cors_allowed_origins": ["*", "https://a.example.com/"]},
            "config key cors_allowed_origins has 'https://a.example.com/'; "
            "origins look like https://shop.example.com (no path, no trailing slash)",
        ),
    ],
)
def test_the_whole_message_an_operator_reads(document, message):
    with pytest.raises(ConfigError) as caught:
        parse_config("dev", json.dumps(document))
    assert str(caught.value) == message


@pytest.mark.parametrize(
    "document",
    [
        {"page_size_default": 1, "page_size_max": 1},
        {"page_size_default": 100, "page_size_max": 100},
        {"max_body_bytes": 1},
        {"max_body_bytes": 10485760},
        {"log_level": "error"},
        {"log_level": "Warning"},
        {"cors_allowed_origins": ["*", "http://127.0.0.1:8080"]},
    ],
)
def test_the_edges_of_every_range_are_accepted(document):
    parse_config("dev", json.dumps(document))


def test_a_document_that_is_not_an_object_or_not_json_is_refused():
    with pytest.raises(ConfigError, match="config for stage 'qa' must be a JSON object"):
        parse_config("qa", "[]")
    with pytest.raises(ConfigError, match="config for stage 'qa' is not valid JSON: "):
        parse_config("qa", "{")


def test_the_alias_is_the_eighth_part_of_a_qualified_arn_only():
    base = "arn:aws:lambda:eu-west-1:123456789012:function:shop-api"
    assert alias_from_arn(f"{base}:qa") == "qa"
    assert alias_from_arn(base) is None
    assert alias_from_arn(None) is None
    assert alias_from_arn(f"{base}:qa:extra") is None


def loader(*, documents=None, fetch=None, **kwargs) -> ConfigLoader:
    """Return a loader of /shop/{alias}/config that reads `documents`, or calls `fetch`."""
    documents = documents or {}
    kwargs.setdefault("aliases", ("dev", "qa"))
    return ConfigLoader(
        fetch=fetch or documents.__getitem__, parameter_template="/shop/{alias}/config", **kwargs
    )


def test_the_stage_served_is_the_alias_unless_unqualified_in_local_mode():
    base = "arn:aws:lambda:eu-west-1:1:function:shop-api"
    assert loader().stage_for(f"{base}:qa") == "qa"
    assert loader(local_stage="dev").stage_for(base) == "dev"
    assert loader(local_stage="dev").stage_for(f"{base}:$LATEST") == "dev"
    with pytest.raises(ConfigError) as caught:
        loader().stage_for(f"{base}:$LATEST")
    assert str(caught.value) == (
        f"invoked without an alias ('{base}:$LATEST'); invoke through one of: dev, qa"
    )
    with pytest.raises(ConfigError, match="invoke through one of: none configured"):
        loader(aliases=()).stage_for(base)
    with pytest.raises(ConfigError) as caught:
        loader().stage_for(f"{base}:prod")
    assert str(caught.value) == "alias 'prod' is not served by this function (serves: dev, qa)"
    with pytest.raises(ConfigError, match=r"\(serves: none\)"):
        loader(aliases=()).stage_for(f"{base}:prod")


def test_the_config_parameter_is_named_after_the_stage_and_carries_the_site_origins():
    got = loader(documents={"/shop/qa/config": "{}"}, site_origins=("https://s.example.com",)).get(
        "qa"
    )
    assert got.stage == "qa" and got.cors_allowed_origins == ("https://s.example.com",)


def test_a_config_that_cannot_be_fetched_the_first_time_names_the_parameter():
    def down(name):
        raise TimeoutError("ssm timed out")

    broken = loader(fetch=down)
    with pytest.raises(ConfigError) as caught:
        broken.get("qa")
    assert str(caught.value) == "cannot load config parameter /shop/qa/config: ssm timed out"
    assert isinstance(caught.value.__cause__, TimeoutError)


def test_a_bad_first_document_is_refused_as_it_is():
    bad = loader(documents={"/shop/qa/config": '{"log_level": "loud"}'})
    with pytest.raises(ConfigError, match="^config key log_level must be one of"):
        bad.get("qa")


def test_a_config_is_reread_exactly_when_its_ttl_has_passed():
    now, reads = [100.0], []
    documents = {"/shop/qa/config": '{"log_level": "INFO"}'}

    def fetch(name):
        reads.append(name)
        return documents[name]

    served = loader(fetch=fetch, ttl=10, clock=lambda: now[0])
    assert served.get("qa").log_level == "INFO"
    documents["/shop/qa/config"] = '{"log_level": "DEBUG"}'
    now[0] = 109.999
    assert served.get("qa").log_level == "INFO"
    now[0] = 110.0
    assert served.get("qa").log_level == "DEBUG"
    assert reads == ["/shop/qa/config", "/shop/qa/config"]


def test_the_default_ttl_is_a_minute():
    now, reads = [0.0], []

    def fetch(name):
        reads.append(name)
        return "{}"

    served = loader(fetch=fetch, clock=lambda: now[0])
    served.get("qa")
    now[0] = 59.9
    served.get("qa")
    now[0] = 60.0
    served.get("qa")
    assert len(reads) == 2


def test_a_failed_refresh_is_logged_with_the_parameter_and_the_reason(caplog):
    now, answers = [0.0], ["{}"]

    def fetch(name):
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    served = loader(fetch=fetch, ttl=5, clock=lambda: now[0])
    first = served.get("qa")
    answers.append(TimeoutError("ssm is slow"))
    now[0] = 5.0
    with caplog.at_level("WARNING", logger="shop.config"):
        assert served.get("qa") is first
    (record,) = [r for r in caplog.records if r.name == "shop.config"]
    assert record.getMessage() == "config refresh failed; serving the last good config"
    assert (record.parameter, record.reason) == ("/shop/qa/config", "ssm is slow")
