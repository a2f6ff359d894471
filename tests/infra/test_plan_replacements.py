"""Replacing a resource whose name is unique must delete it first.

Terraform forces create_before_destroy onto every dependency of a resource
that has it
(https://developer.hashicorp.com/terraform/language/meta-arguments/lifecycle#create_before_destroy,
https://github.com/hashicorp/terraform/blob/main/docs/destroying.md). A
replacement of a function, role, log group, parameter or database instance
under its fixed `<project>-<stage>-<component>` name would then create the
new one first, which AWS refuses (ResourceConflictException,
EntityAlreadyExists, DBInstanceAlreadyExists...) or, for upserts such as
alarms, overwrites and then deletes. A plan of an empty state only shows
creations, so `replaced` plans dev over a state holding every planned
resource (the dev plan's known values) with `-replace` on each one that has
a fixed name, offline (-refresh=false), and reads the order Terraform chose.
"""

import json

import pytest

from .conftest import Plan, Terraform, checkout

PROVIDER = 'provider["registry.terraform.io/hashicorp/aws"]'
STAGE = "dev"
# Attributes that name an object uniquely in its account and region (or
# globally, for buckets); a resource setting one to a fixed value cannot
# exist twice.
UNIQUE_NAMES = ("name", "identifier", "function_name", "bucket", "alarm_name", "email")
# Name attributes that are not unique: AWS gives these objects IDs and
# accepts two of the same name side by side.
NOT_UNIQUE = {"aws_api_gateway_rest_api", "aws_cloudfront_distribution"}
# Still created before destroyed: the REST API body names the storefront's
# origin (CORS), known only once CloudFront exists, so the deployment depends
# on the site's resources. docs/terraform.md lists them for the first real
# replacement.
KNOWN_CREATE_FIRST = {
    "module.static_site.aws_cloudfront_origin_access_control.this",
    "module.static_site.aws_cloudfront_response_headers_policy.this",
}


def _fixed_names(plan: Plan) -> dict[str, str]:
    """Address -> the fixed unique name of every managed resource that has one."""
    named = {}
    for address, change in plan.changes.items():
        if change["mode"] != "managed" or change["type"] in NOT_UNIQUE:
            continue
        after = change["change"]["after"] or {}
        for attribute in UNIQUE_NAMES:
            if isinstance(after.get(attribute), str) and not after.get(f"{attribute}_prefix"):
                named[address] = after[attribute]
                break
    return named


# Values AWS chooses at creation that other resources' arguments, data
# sources or outputs interpolate; the rest stay null, as provider-side
# defaults (FIFO settings and the like) must not be invented.
CHOSEN_BY_AWS = ("arn", "id", "domain_name", "endpoint", "address", "url", "version")


def _existing(type_: str, attribute: str) -> str:
    """A stand-in for a value AWS chose when the resource was created."""
    if attribute == "arn" or attribute.endswith("_arn"):
        return f"arn:aws:{type_.split('_')[1]}:eu-west-1:111122223333:existing"
    return "existing"


def _state(plan: Plan, schemas: dict[str, dict]) -> dict:
    """A state holding every resource of the plan: its known planned values,
    and stand-ins for the ones AWS chooses at creation."""
    grouped: dict[tuple, list] = {}
    for change in plan.data["resource_changes"]:
        if change["mode"] != "managed":
            continue
        schema = schemas[change["type"]]
        attributes = dict(change["change"]["after"] or {})
        for attribute, unknown in change["change"]["after_unknown"].items():
            kind = schema["block"].get("attributes", {}).get(attribute, {}).get("type")
            if unknown is True and kind == "string" and attribute.endswith(CHOSEN_BY_AWS):
                attributes[attribute] = _existing(change["type"], attribute)
        instance = {
            "schema_version": schema["version"],
            "attributes": {**attributes, "id": attributes.get("id") or "existing"},
            "sensitive_attributes": [],
        }
        if "index" in change:
            instance["index_key"] = change["index"]
        key = (change.get("module_address"), change["type"], change["name"])
        grouped.setdefault(key, []).append(instance)
    resources = []
    for (module, type_, name), instances in grouped.items():
        entry = {"mode": "managed", "type": type_, "name": name, "provider": PROVIDER}
        resources.append(
            {**entry, **({"module": module} if module else {}), "instances": instances}
        )
    return {
        "version": 4,
        "terraform_version": "1.11.4",
        "serial": 1,
        "lineage": "00000000-0000-4000-8000-000000000011",
        "outputs": {},
        "resources": resources,
    }


@pytest.fixture(scope="module")
def fixed_names(stage_plans) -> dict[str, str]:
    return _fixed_names(stage_plans[STAGE])


@pytest.fixture(scope="module")
def replaced(stage_plans, fixed_names, terraform, cli_config, scratch) -> Plan:
    """dev planned over a state holding all of it, each fixed-name resource to be replaced."""
    tf = Terraform(checkout(scratch, "checkout-replace"), cli_config, terraform.manifest, scratch)
    tf.init()
    schemas = tf.run("providers", "schema", "-json")
    assert schemas.returncode == 0, schemas.stderr
    (provider,) = json.loads(schemas.stdout)["provider_schemas"].values()
    state_dir = tf.root / "terraform.tfstate.d" / STAGE
    state_dir.mkdir(parents=True)
    (state_dir / "terraform.tfstate").write_text(
        json.dumps(_state(stage_plans[STAGE], provider["resource_schemas"]))
    )
    out = scratch / "replaced.tfplan"
    args = tf._plan_args(STAGE)
    args += [f"-replace={address}" for address in fixed_names]
    planned = tf.run(*args, f"-out={out}", workspace=STAGE)
    assert planned.returncode == 0, planned.stderr
    return tf.show(out, STAGE)


def test_the_check_sees_the_fixed_names_that_matter(fixed_names):
    """Guards the selection itself: these are the names the design fixes."""
    for address in (
        "module.database.aws_db_instance.this",
        "module.api_function.aws_lambda_function.this",
        "module.api_function.aws_iam_role.this",
        "module.api_function.aws_cloudwatch_log_group.this",
        "module.config.aws_ssm_parameter.this",
        "module.notifications.aws_sns_topic.this",
    ):
        assert address in fixed_names, f"{address} no longer has a fixed name: update this test"


def test_a_replaced_fixed_name_is_deleted_before_its_successor_is_created(replaced, fixed_names):
    create_first = {
        address: fixed_names[address]
        for address, change in replaced.changes.items()
        if address in fixed_names and change["change"]["actions"] == ["create", "delete"]
    }
    unexpected = {a: n for a, n in create_first.items() if a not in KNOWN_CREATE_FIRST}
    assert not unexpected, (
        "replaced create-before-destroy under a name that cannot exist twice: "
        f"{json.dumps(unexpected, indent=1)}. A create_before_destroy resource depends on them; "
        "break that reference (build the value from names, as the api module's function_arn) "
        "or give them a name_prefix"
    )
    forced = [a for a in fixed_names if replaced.changes[a]["change"]["actions"] != ["no-op"]]
    assert set(forced) == set(fixed_names), "some -replace had no effect"
    for address in KNOWN_CREATE_FIRST:
        assert replaced.changes[address]["change"]["actions"] == ["create", "delete"], (
            f"{address} is now deleted first: drop it from KNOWN_CREATE_FIRST and docs/terraform.md"
        )
