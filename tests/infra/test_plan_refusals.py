"""Plans that must be refused, with the message the user reads."""

import pytest

from .conftest import Scenario


def _replace(variable, **changes):
    return lambda values: {variable: {**values[variable], **changes}}


def _function_change(name, **changes):
    def overrides(values):
        values["functions"][name].update(changes)
        return {"functions": values["functions"]}

    return overrides


def _cors(*origins):
    return _replace("app_config", cors_allowed_origins=list(origins))


def _drop_cache_key(path, key):
    def edit(contract):
        integration = contract["paths"][path]["get"]["x-amazon-apigateway-integration"]
        integration["cacheKeyParameters"].remove(key)

    return edit


def _add_any_method_proxy(contract):
    proxy = contract["paths"]["/v1/health"]["get"]["x-amazon-apigateway-integration"]
    contract["paths"]["/{proxy+}"] = {
        "x-amazon-apigateway-any-method": {"x-amazon-apigateway-integration": dict(proxy)}
    }


def _misspell_placeholder(contract):
    proxy = contract["paths"]["/v1/orders"]["post"]["x-amazon-apigateway-integration"]
    proxy["uri"] = proxy["uri"].replace("{{region}}", "{{regoin}}")


WORKSPACE_MISMATCH = Scenario("dev", refused=True, workspace="qa")
PROD_WILDCARD_CORS = Scenario(
    "prod", refused=True, overrides=_cors("https://shop.example.com", "*")
)
CACHE_KEY_WITHOUT_PAGE = Scenario(
    "qa", refused=True, contract=_drop_cache_key("/v1/products", "method.request.querystring.page")
)
CACHE_KEY_WITHOUT_ORIGIN = Scenario(
    "prod",
    refused=True,
    contract=_drop_cache_key("/v1/products/{id}", "method.request.header.Origin"),
)
ANY_METHOD_PROXY = Scenario("qa", refused=True, contract=_add_any_method_proxy)
MISSPELT_PLACEHOLDER = Scenario("dev", refused=True, contract=_misspell_placeholder)
OVER_BUDGET = Scenario(
    "prod", refused=True, overrides=_function_change("api", reserved_concurrency=500)
)
ARCH_MISMATCH = Scenario(
    "dev", refused=True, overrides=_function_change("api", architecture="arm64")
)
SNAP_START_WITH_PROVISIONED = Scenario(
    "prod", refused=True, overrides=_function_change("api", snap_start=True)
)
NO_NAT = Scenario("qa", refused=True, overrides=_replace("network", nat_mode="none"))
TINY_APP_SUBNETS = Scenario(
    "qa",
    refused=True,
    overrides=_replace(
        "network",
        subnet_newbits={"app": 12, "database": 8, "public": 8},
        interface_endpoints=[
            "ssm",
            "secretsmanager",
            "sns",
            "sts",
            "kms",
            "logs",
            "lambda",
            "monitoring",
            "events",
            "sqs",
        ],
    ),
)


def _rotation_days(days):
    def overrides(values):
        return {"schedules": {**values["schedules"], "app_login_rotation": {"rate_days": days}}}

    return overrides


ROTATION_TOO_RARE = Scenario("prod", refused=True, overrides=_rotation_days(91))
ROTATION_FRACTIONAL = Scenario("dev", refused=True, overrides=_rotation_days(0.5))
DATABASE_RULES = {
    "prod-single-az": Scenario(
        "prod", refused=True, overrides=_replace("database", multi_az=False)
    ),
    "no-backups": Scenario(
        "dev", refused=True, overrides=_replace("database", backup_retention_days=0)
    ),
}


def assert_refused(outcome, *fragments):
    assert outcome.returncode != 0, "the plan was accepted"
    for fragment in fragments:
        assert fragment in outcome.text, f"{fragment!r} not in:\n{outcome.text}"


def test_workspace_must_match_the_tfvars_stage(plans):
    assert_refused(
        plans[WORKSPACE_MISMATCH],
        'These tfvars are for stage "dev" but the selected workspace is "qa"',
        "terraform workspace select -or-create dev",
    )


def test_prod_refuses_wildcard_cors(plans):
    assert_refused(
        plans[PROD_WILDCARD_CORS],
        "prod must list its CORS origins explicitly",
        'may not contain "*"',
    )


def test_cached_method_missing_a_parameter_in_its_cache_key(plans):
    assert_refused(
        plans[CACHE_KEY_WITHOUT_PAGE],
        "Cached methods would serve one caller's answer to another",
        "GET /v1/products is cached but its cacheKeyParameters miss "
        "method.request.querystring.page",
    )


def test_cached_method_must_key_on_origin(plans):
    assert_refused(
        plans[CACHE_KEY_WITHOUT_ORIGIN],
        "GET /v1/products/{id} is cached but its cacheKeyParameters miss "
        "method.request.header.Origin",
    )


def test_permission_over_any_method_and_path_is_refused(plans):
    assert_refused(
        plans[ANY_METHOD_PROXY],
        "Route ANY /{proxy+} would grant API Gateway <execution_arn>/qa/*/*",
        "Declare each method and path",
    )


def test_unknown_placeholder_in_the_contract_is_refused(plans):
    assert_refused(plans[MISSPELT_PLACEHOLDER], "unfilled placeholders after rendering: {{regoin}}")


def test_reserved_concurrency_over_the_connection_budget(plans):
    assert_refused(
        plans[OVER_BUDGET],
        "Connection budget exceeded: reserved concurrency api=500 + migrate=1 + report=2 plus "
        "headroom 20 is 523 connections, but database.max_connections is 200",
        "database.enable_proxy = true",
    )


def test_architecture_must_match_the_build(plans):
    assert_refused(
        plans[ARCH_MISMATCH],
        "shop-dev-api is configured for arm64 but its package in build/manifest.json was built "
        "for x86_64: rebuild for arm64 (`make build ARCH=arm64`)",
    )


def test_snap_start_together_with_provisioned_concurrency_is_refused(plans):
    # prod's api has provisioned_concurrency = 5; Lambda refuses SnapStart beside it.
    assert_refused(
        plans[SNAP_START_WITH_PROVISIONED],
        "A function cannot have both snap_start and provisioned_concurrency",
        "functions.<name>.snap_start = false",
    )


def test_private_subnets_needing_internet_must_route_to_a_nat(plans):
    assert_refused(plans[NO_NAT], "The app subnets need internet access", 'nat_mode is "none"')


def test_app_subnets_must_hold_the_function_enis(plans):
    """A /28 app subnet holds 11 addresses: two Hyperplane ENIs fit, ten
    interface endpoints on top do not."""
    assert_refused(
        plans[TINY_APP_SUBNETS],
        "has 11 usable addresses but needs 12: 2 x 1 Lambda Hyperplane ENI(s) for 42 reserved "
        "concurrency in 1 security-group set(s), plus 10 interface endpoint ENI(s)",
    )


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("prod-single-az", "prod's database must have multi_az = true"),
        ("no-backups", "database.backup_retention_days must be 1-35"),
    ],
)
def test_database_safety_rules(plans, rule, message):
    assert_refused(plans[DATABASE_RULES[rule]], message)


@pytest.mark.parametrize("scenario", [ROTATION_TOO_RARE, ROTATION_FRACTIONAL], ids=["91", "0.5"])
def test_the_login_rotation_interval_is_whole_days_up_to_90(plans, scenario):
    assert_refused(
        plans[scenario],
        "schedules.app_login_rotation.rate_days must be a whole number of days, 1-90",
    )
