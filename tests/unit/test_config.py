import json

import pytest

from shop.config import ConfigLoader, alias_from_arn, parse_config
from shop.errors import ConfigError

ARN = "arn:aws:lambda:eu-west-1:123456789012:function:shop-qa-api"


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


class Parameters:
    """An in-memory Parameter Store: name -> JSON text, counting reads."""

    def __init__(self, **configs):
        self.values = {f"/shop/{stage}/config": json.dumps(c) for stage, c in configs.items()}
        self.reads = 0
        self.fail = False

    def fetch(self, name: str) -> str:
        self.reads += 1
        if self.fail:
            raise RuntimeError("ThrottlingException")
        if name not in self.values:
            raise KeyError(f"ParameterNotFound: {name}")
        return self.values[name]


def loader(params, clock, **kwargs):
    return ConfigLoader(
        fetch=params.fetch,
        parameter_template="/shop/{alias}/config",
        aliases=kwargs.pop("aliases", ("qa",)),
        ttl=60,
        clock=clock,
        **kwargs,
    )


def test_alias_comes_from_the_invoked_arn():
    assert alias_from_arn(f"{ARN}:qa") == "qa"
    assert alias_from_arn(f"{ARN}:$LATEST") == "$LATEST"
    assert alias_from_arn(ARN) is None
    assert alias_from_arn(None) is None


def test_config_is_read_once_and_again_after_the_ttl():
    params, clock = Parameters(qa={"log_level": "INFO"}), Clock()
    configs = loader(params, clock)
    assert configs.get("qa").log_level == "INFO"
    params.values["/shop/qa/config"] = json.dumps({"log_level": "DEBUG"})
    clock.now += 59
    assert configs.get("qa").log_level == "INFO" and params.reads == 1
    clock.now += 2
    assert configs.get("qa").log_level == "DEBUG" and params.reads == 2


def test_a_failed_refresh_keeps_the_last_good_config():
    params, clock = Parameters(qa={"log_level": "WARNING"}), Clock()
    configs = loader(params, clock)
    configs.get("qa")
    params.fail = True
    clock.now += 61
    assert configs.get("qa").log_level == "WARNING" and params.reads == 2
    # WHEN requests keep coming while SSM is still failing
    clock.now += 1
    assert configs.get("qa").log_level == "WARNING"
    clock.now += 58
    assert configs.get("qa").log_level == "WARNING"
    # THEN SSM is not re-read on every request: the failure backs off one TTL
    assert params.reads == 2
    clock.now += 2
    assert configs.get("qa").log_level == "WARNING" and params.reads == 3


@pytest.mark.parametrize(
    ("arn", "message"),
    [
        (ARN, "invoked without an alias"),
        (f"{ARN}:$LATEST", "invoked without an alias"),
        (f"{ARN}:prod", "alias 'prod' is not served by this function (serves: qa)"),
        (f"{ARN}:7", "alias '7' is not served"),
    ],
)
def test_unqualified_or_unknown_aliases_are_refused(arn, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        loader(Parameters(), Clock()).stage_for(arn)


def test_local_mode_lets_an_unqualified_arn_through():
    configs = loader(Parameters(), Clock(), local_stage="dev")
    assert configs.stage_for(ARN) == "dev"
    with pytest.raises(ConfigError):
        configs.stage_for(f"{ARN}:prod")


def test_missing_parameter_is_a_config_error_naming_it():
    with pytest.raises(ConfigError, match="/shop/qa/config"):
        loader(Parameters(), Clock()).get("qa")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("not json", "not valid JSON"),
        ("[]", "must be a JSON object"),
        ('{"log_level": "LOUD"}', "log_level must be one of"),
        ('{"page_size_max": 500}', "page_size_max <= 100"),
        ('{"cors_allowed_origins": "https://a.example"}', "cors_allowed_origins must be a list"),
        ('{"cors_allowed_origins": ["https://a.example/"]}', "no path, no trailing slash"),
        ('{"cors_allowed_origins": ["a.example"]}', "origins look like"),
        ('{"warmer": {"concurrency": "3"}}', "warmer.concurrency must be a int"),
        ('{"features": {"order_emails": 1}}', "features.order_emails must be a bool"),
        ('{"max_body_bytes": true}', "max_body_bytes must be a int"),
    ],
)
def test_bad_config_names_the_key(raw, message):
    with pytest.raises(ConfigError, match=message):
        parse_config("qa", raw)


def test_full_config_parses():
    config = parse_config(
        "prod",
        json.dumps(
            {
                "log_level": "warning",
                "cors_allowed_origins": ["https://shop.example.com"],
                "warmer": {"concurrency": 5, "hold_ms": 100, "prime": False},
                "features": {"order_emails": False},
            }
        ),
    )
    assert config.log_level == "WARNING"
    assert config.cors_allowed_origins == ("https://shop.example.com",)
    assert (config.warmer_concurrency, config.warmer_prime, config.order_emails) == (
        5,
        False,
        False,
    )


def test_the_storefronts_origin_is_allowed_besides_the_configs():
    params, clock = Parameters(qa={"cors_allowed_origins": ["https://partner.example"]}), Clock()
    configs = loader(params, clock, site_origins=("https://d1234.cloudfront.net",))
    assert configs.get("qa").cors_allowed_origins == (
        "https://d1234.cloudfront.net",
        "https://partner.example",
    )


def test_a_malformed_site_origin_is_a_config_error():
    with pytest.raises(ConfigError, match="origins look like"):
        parse_config("qa", "{}", site_origins=("d1234.cloudfront.net",))
