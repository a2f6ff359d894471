"""`make deploy`'s account preflight against moto: the API Gateway logging
role the bootstrap root sets up must be in the account settings and exist."""

import json

import boto3
import pytest
from moto import mock_aws

from deploy import preflight
from deploy.steps import DeployError

TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "apigateway.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


@pytest.fixture
def aws():
    with mock_aws():
        yield boto3.session.Session(region_name="eu-west-1")


def _set_logging_role(aws, name: str, *, create: bool = True) -> str:
    iam = aws.client("iam")
    if create:
        arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST))["Role"][
            "Arn"
        ]
    else:
        arn = f"arn:aws:iam::123456789012:role/{name}"
    aws.client("apigateway").update_account(
        patchOperations=[{"op": "replace", "path": "/cloudwatchRoleArn", "value": arn}]
    )
    return arn


def test_a_bootstrapped_account_passes_and_names_its_role(aws):
    arn = _set_logging_role(aws, "shop-apigateway-logs")
    assert preflight.check_api_gateway_logging(aws) == arn


def test_an_account_without_the_logging_role_is_sent_to_make_bootstrap(aws):
    with pytest.raises(DeployError) as raised:
        preflight.check_api_gateway_logging(aws)
    assert "API Gateway in eu-west-1 has no CloudWatch Logs role" in raised.value.message
    assert "make bootstrap" in raised.value.hint


def test_a_setting_that_names_a_deleted_role_is_sent_to_make_bootstrap(aws):
    """GIVEN the account setting still names a role that was deleted (what a
    stage owning the role left behind on destroy), THEN the deploy stops."""
    _set_logging_role(aws, "shop-dev-apigateway-logs", create=False)
    with pytest.raises(DeployError) as raised:
        preflight.check_api_gateway_logging(aws)
    assert "does not exist any more" in raised.value.message
    assert "make bootstrap" in raised.value.hint
