"""The database module through its life: created, planned again, upgraded, recreated.

A plan of an empty state only shows creation. What a stage lives through
later needs a state that already holds the database: `existing_qa` plans
the module on its own (a small root calling modules/database with qa's
values) over a state with the instance and an older parameter group (family
mysql5.7, under the fixed name the module used before), as a stage created
earlier and now upgraded. On its own, because in the full root other
resources' create_before_destroy spreads to the database resources and would
hide the module's own lifecycle. Offline (-refresh=false): the state is all
Terraform knows about what exists.
"""

import json

import pytest

from .conftest import Plan, Scenario, plan_module
from .test_plan_network import PROXY

PROVIDER = 'provider["registry.terraform.io/hashicorp/aws"]'
INSTANCE_ADDRESS = "shop-qa.c0ffee.eu-west-1.rds.amazonaws.com"
SNAPSHOT_OF_EXISTING = "shop-qa-final-20260101-000000"
INSTANCE = "module.database.aws_db_instance.this"
PARAMETER_GROUP = "module.database.aws_db_parameter_group.this"


def _resource(type_: str, schema_version: int, attributes: dict) -> dict:
    return {
        "module": "module.database",
        "mode": "managed",
        "type": type_,
        "name": "this",
        "provider": PROVIDER,
        "instances": [
            {"schema_version": schema_version, "attributes": attributes, "sensitive_attributes": []}
        ],
    }


EXISTING_QA_STATE = {
    "version": 4,
    "terraform_version": "1.11.4",
    "serial": 1,
    "lineage": "00000000-0000-4000-8000-000000000010",
    "outputs": {},
    "resources": [
        _resource(
            "aws_db_parameter_group",
            0,
            {
                "id": "shop-qa-mysql",
                "arn": "arn:aws:rds:eu-west-1:111122223333:pg:shop-qa-mysql",
                "name": "shop-qa-mysql",
                "family": "mysql5.7",
                "description": "shop-qa: connection limit and TLS-only clients",
                "parameter": [],
                "tags": {},
                "tags_all": {},
            },
        ),
        _resource(
            "aws_db_instance",
            2,
            {
                "id": "db-EXISTINGQAINSTANCE",
                "identifier": "shop-qa",
                "address": INSTANCE_ADDRESS,
                "engine": "mysql",
                "engine_version": "8.0",
                "instance_class": "db.t4g.small",
                "db_name": "shop",
                "username": "shop_admin",
                "port": 3306,
                "storage_encrypted": True,
                "storage_type": "gp3",
                "allocated_storage": 20,
                "publicly_accessible": False,
                "manage_master_user_password": True,
                "parameter_group_name": "shop-qa-mysql",
                "skip_final_snapshot": False,
                "final_snapshot_identifier": SNAPSHOT_OF_EXISTING,
                "tags": {"Name": "shop-qa"},
                "tags_all": {"Name": "shop-qa"},
            },
        ),
    ],
}


QA_DATABASE = {
    "name": "shop-qa",
    "vpc_id": "vpc-0123456789abcdef0",
    "subnet_ids": ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
    "client_security_group_id": "sg-0123456789abcdef0",
    "client_concurrency": {"api": 40, "report": 1, "migrate": 1},
    "database": {
        "instance_class": "db.t4g.small",
        "allocated_storage_gb": 20,
        "max_allocated_storage_gb": 100,
        "multi_az": False,
        "deletion_protection": False,
        "skip_final_snapshot": False,
        "backup_retention_days": 7,
        "max_connections": 90,
        "connection_headroom": 10,
        # The module takes the object the root hands it, defaults applied
        # (terraform/variables.tf is their one home).
        "engine_version": "8.0",
        "log_retention_days": 30,
        "backup_window": "02:00-03:00",
        "maintenance_window": "sun:03:30-sun:04:30",
        "db_name": "shop",
        "master_username": "shop_admin",
        "enable_proxy": False,
        "performance_insights": False,
        "client": {
            "ca_bundle": "/var/task/x.pem",
            "proxy_ca_bundle": "/var/task/shop/certs/amazon-root-cas.pem",
            "connect_timeout_s": 3,
            "read_timeout_s": 10,
        },
    },
}


# What the functions connect with, as a root output of the module's plan.
CLIENT_OUTPUTS = ("client",)


@pytest.fixture(scope="module")
def existing_qa(terraform, cli_config, scratch) -> Plan:
    """The module planned over a state that already holds its database (see the docstring)."""
    return plan_module(
        terraform,
        cli_config,
        scratch / "database-module",
        "database",
        QA_DATABASE,
        EXISTING_QA_STATE,
        CLIENT_OUTPUTS,
    )


def _change(plan, address: str) -> dict:
    return plan.changes[address]["change"]


def test_a_new_instance_names_its_final_snapshot_when_created(plan, stage):
    """A fixed name ("shop-qa-final") exists after the first destroy and makes
    the second one fail (DBSnapshotAlreadyExists). The name is chosen when
    the instance is created, so the plan cannot know it; a constant would be
    known here."""
    change = _change(plan, INSTANCE)
    assert change["after_unknown"].get("final_snapshot_identifier") is True, (
        f"{stage}: final_snapshot_identifier is "
        f"{change['after'].get('final_snapshot_identifier')!r} before the instance exists; "
        "every destroy after the first would reuse it"
    )


def test_an_existing_instance_keeps_its_final_snapshot_name(existing_qa):
    """Chosen once per instance: re-planning never renames the snapshot it will leave."""
    change = _change(existing_qa, INSTANCE)
    assert change["actions"] == ["update"], "the instance must be updated in place, not replaced"
    assert change["before"]["final_snapshot_identifier"] == SNAPSHOT_OF_EXISTING
    assert change["after"].get("final_snapshot_identifier") == SNAPSHOT_OF_EXISTING, (
        "the plan renames the final snapshot of an existing instance: keep the name in the state "
        "(lifecycle ignore_changes)"
    )


def test_parameter_group_name_is_a_prefix_per_engine_family(plan):
    (group,) = plan.of_type("aws_db_parameter_group").values()
    change = _change(plan, PARAMETER_GROUP)
    assert group["name_prefix"] == f"shop-{plan.variable('stage')}-mysql8-0-"
    assert change["after_unknown"].get("name") is True, (
        "a fixed name cannot coexist with its successor"
    )


def test_engine_upgrade_creates_the_new_parameter_group_before_deleting_the_old(existing_qa):
    """GIVEN a database on a mysql5.7 parameter group, WHEN the plan moves it to
    mysql8.0, THEN the new group is created first and the instance moves to it
    before the old group is deleted: RDS refuses to delete a group in use
    (InvalidDBParameterGroupState), so delete-then-create fails at apply."""
    group = _change(existing_qa, PARAMETER_GROUP)
    assert group["before"]["family"] == "mysql5.7" and group["after"]["family"] == "mysql8.0"
    assert group["actions"] == ["create", "delete"], (
        f"parameter group replaced as {group['actions']}: needs create_before_destroy"
    )
    instance = _change(existing_qa, INSTANCE)
    assert instance["actions"] == ["update"]
    assert instance["after_unknown"].get("parameter_group_name") is True


# RDS Proxy ---------------------------------------------------------------------

AMAZON_ROOTS_BUNDLE = "/var/task/shop/certs/amazon-root-cas.pem"


def _tiny_proxy_pool(values):
    database = {**values["database"], "enable_proxy": True}
    database.update(max_connections=10, connection_headroom=9)
    return {"database": database}


TINY_PROXY_POOL = Scenario("qa", refused=True, overrides=_tiny_proxy_pool)


def _environment(plan, function: str) -> dict:
    """The function's environment as the root output shows it (known values only)."""
    return plan.output("functions")[function]["environment"]


def test_direct_functions_trust_the_rds_bundle(plan, tfvars):
    for function in ("api", "report", "migrate"):
        env = _environment(plan, function)
        assert env["SHOP_DB_CA_BUNDLE"] == tfvars["database"]["client"]["ca_bundle"]
        assert env["SHOP_DB_CA_BUNDLE"] != AMAZON_ROOTS_BUNDLE


def test_behind_the_proxy_functions_trust_amazon_roots_and_the_pool_keeps_the_headroom(plans):
    """RDS Proxy presents an ACM certificate (Amazon Root CA 1-4, Starfield),
    not one of the RDS CA
    (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy.howitworks.html#rds-proxy-security.tls);
    its pool is a percentage of the instance's max_connections, its own
    monitoring connections included
    (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy-connections.html)."""
    plan = plans[PROXY]
    database = plan.variable("database")
    for function in ("api", "report", "migrate"):
        assert _environment(plan, function)["SHOP_DB_CA_BUNDLE"] == AMAZON_ROOTS_BUNDLE
    (group,) = plan.of_type("aws_db_proxy_default_target_group").values()
    pool = group["connection_pool_config"][0]
    maximum, headroom = database["max_connections"], database["connection_headroom"]
    assert maximum * pool["max_connections_percent"] // 100 + headroom <= maximum
    assert pool["max_idle_connections_percent"] <= pool["max_connections_percent"]
    # A function stops waiting after its connect timeout; so does the proxy.
    assert pool["connection_borrow_timeout"] == database["client"]["connect_timeout_s"]
    budget = plan.output("database_connection_budget")
    assert budget["through_proxy"] is True
    assert budget["needed"] == maximum * pool["max_connections_percent"] // 100 + headroom
    assert budget["needed"] <= budget["max_connections"] == maximum


def test_a_proxy_pool_too_small_for_the_functions_is_refused(plans):
    outcome = plans[TINY_PROXY_POOL]
    assert outcome.returncode != 0
    assert "RDS Proxy budget: a pool of 10% of max_connections 10 is 1 connections" in outcome.text


PROXY_ENDPOINT = "shop-qa.proxy-c0ffee.eu-west-1.rds.amazonaws.com"


MASTER_SECRET = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:rds!db-0c0ffee-AbCdEf"
APP_SECRET = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:shop-qa-db-app-0001-GhIjKl"


def _existing_behind_proxy_state() -> dict:
    """qa's database with its proxy and both login secrets, created earlier:
    their endpoints and ARNs are known."""
    state = json.loads(json.dumps(EXISTING_QA_STATE))
    (instance,) = [r for r in state["resources"] if r["type"] == "aws_db_instance"]
    instance["instances"][0]["attributes"]["master_user_secret"] = [
        {"secret_arn": MASTER_SECRET, "kms_key_id": "", "secret_status": "active"}
    ]
    app = _resource(
        "aws_secretsmanager_secret",
        0,
        {
            "id": APP_SECRET,
            "arn": APP_SECRET,
            "name": APP_SECRET.split(":")[-1],
            "name_prefix": "shop-qa-db-app-",
            "recovery_window_in_days": 7,
            "tags": {},
            "tags_all": {},
        },
    )
    app["name"] = "app"
    state["resources"].append(app)
    proxy = _resource(
        "aws_db_proxy",
        0,
        {
            "id": "shop-qa",
            "name": "shop-qa",
            "arn": "arn:aws:rds:eu-west-1:111122223333:db-proxy:prx-0c0ffee",
            "endpoint": PROXY_ENDPOINT,
            "engine_family": "MYSQL",
            "require_tls": True,
            "vpc_subnet_ids": QA_DATABASE["subnet_ids"],
            "tags": {},
            "tags_all": {},
        },
    )
    proxy["instances"][0]["index_key"] = 0
    state["resources"].append(proxy)
    return state


@pytest.fixture(scope="module")
def existing_qa_behind_proxy(terraform, cli_config, scratch) -> Plan:
    inputs = json.loads(json.dumps(QA_DATABASE))
    inputs["database"]["enable_proxy"] = True
    return plan_module(
        terraform,
        cli_config,
        scratch / "database-module-proxy",
        "database",
        inputs,
        _existing_behind_proxy_state(),
        CLIENT_OUTPUTS,
    )


def test_behind_the_proxy_the_functions_connect_to_the_proxy_endpoint(
    existing_qa, existing_qa_behind_proxy
):
    """GIVEN a database and its proxy whose endpoints exist, WHEN the module is
    planned with enable_proxy, THEN the host it gives the functions is the
    proxy's endpoint with the Amazon-root bundle; without, the instance's with
    the RDS bundle. A function that kept the instance's address would bypass
    the proxy's pool and meet the instance's certificate."""
    change = existing_qa_behind_proxy.changes["module.database.aws_db_proxy.this[0]"]["change"]
    assert "delete" not in change["actions"], change["actions"]
    behind_proxy, direct = existing_qa_behind_proxy.output("client"), existing_qa.output("client")
    assert behind_proxy["host"] == PROXY_ENDPOINT
    assert behind_proxy["ca_bundle"] == AMAZON_ROOTS_BUNDLE
    assert direct["host"] == INSTANCE_ADDRESS
    assert direct["ca_bundle"] == QA_DATABASE["database"]["client"]["ca_bundle"]


def test_behind_the_proxy_each_login_has_its_secret_and_the_proxy_may_read_both(
    existing_qa_behind_proxy,
):
    """RDS Proxy answers a login only for a user one of its `auth` secrets names
    (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy-secrets-arns.html).
    GIVEN the proxy switched on, THEN its auth lists the master secret (migrate)
    and the application secret (api, report), and its role may read exactly
    those two: without the app secret every api and report login is refused."""
    proxy = existing_qa_behind_proxy.after("module.database.aws_db_proxy.this[0]")
    auth = {entry["secret_arn"]: entry for entry in proxy["auth"]}
    assert set(auth) == {MASTER_SECRET, APP_SECRET}
    for entry in auth.values():
        assert (entry["auth_scheme"], entry["iam_auth"]) == ("SECRETS", "DISABLED")
    # The role's policy document, read at apply (it follows the instance's update)
    document = "module.database.data.aws_iam_policy_document.proxy[0]"
    statements = existing_qa_behind_proxy.after(document)["statement"]
    readable = set()
    for statement in statements:
        assert statement["actions"] == ["secretsmanager:GetSecretValue"]
        assert statement.get("effect") in ("Allow", None)
        readable.update(statement["resources"])
    assert readable == {MASTER_SECRET, APP_SECRET}


def test_the_stage_behind_the_proxy_gives_it_the_secret_the_functions_log_in_with(plans):
    """The full stage with the proxy on (prod's tfvars): besides the master
    secret, the proxy's auth names the module's app secret, the one api and
    report read their login from (SHOP_DB_SECRET_ARN)."""
    plan = plans[PROXY]
    (proxy,) = plan.of_type("aws_db_proxy").values()
    assert len(proxy["auth"]) == 2
    config = plan.module_resource_config("database", "aws_db_proxy.this")
    secrets = [auth["secret_arn"]["references"] for auth in config["expressions"]["auth"]]
    assert ["aws_secretsmanager_secret.app.arn", "aws_secretsmanager_secret.app"] in secrets
