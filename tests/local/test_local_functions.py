"""The stack's other functions and its local AWS: the warmer reaches N distinct
api workers through boto3's Lambda client, the report e-mails through SES,
orders publish to SNS, and the outbox shows what was sent."""

import json

import boto3
import pytest
import requests
from botocore.config import Config

from local.aws import FAKE_CREDENTIALS

API_ALIAS = "arn:aws:lambda:eu-west-1:123456789012:function:shop-dev-api:dev"


@pytest.fixture(scope="module")
def lambda_client(local_stack):
    """boto3's Lambda client pointed at the stack, as the warmer's is (AWS_ENDPOINT_URL_LAMBDA)."""
    return boto3.session.Session(
        aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        region_name="eu-west-1",
    ).client(
        "lambda",
        endpoint_url=f"{local_stack.api_url}/_local/lambda",
        config=Config(retries={"max_attempts": 1}),
    )


def invoke(client, name: str, payload: bytes = b"{}") -> tuple[dict, str | None]:
    answer = client.invoke(FunctionName=name, Payload=payload)
    return json.loads(answer["Payload"].read()), answer.get("FunctionError")


def test_the_warmer_reaches_as_many_distinct_workers_as_configured(local_stack, lambda_client):
    # GIVEN the fixture tfvars' warmer: concurrency 3, hold 1000 ms
    result, error = invoke(lambda_client, "shop-dev-warmer:dev")
    assert error is None, result
    assert result["target"] == API_ALIAS
    assert result["invocations"] == 3
    assert result["distinct_containers"] == 3
    assert result["errors"] == []
    workers = requests.get(f"{local_stack.api_url}/_local/workers", timeout=10).json()
    assert len(workers["shop-dev-api"]["workers"]) >= 3


def test_the_api_refuses_an_invocation_without_its_alias(lambda_client):
    # A keep-alive needs no alias, but a report through $LATEST is refused by the code.
    ping, error = invoke(lambda_client, "shop-dev-api", b'{"warmer": {"hold_ms": 0}}')
    assert error is None and ping["warm"] is True
    refused, error = invoke(lambda_client, "shop-dev-report")
    assert error == "Unhandled"
    assert "invoked without an alias" in refused["errorMessage"]


def test_an_unknown_function_or_alias_is_resource_not_found(lambda_client):
    for name in ("shop-dev-nothing:dev", "shop-dev-api:prod"):
        with pytest.raises(lambda_client.exceptions.ResourceNotFoundException):
            lambda_client.invoke(FunctionName=name, Payload=b"{}")


def test_orders_publish_events_and_mail_and_the_report_mails_ops(local_stack, lambda_client):
    # GIVEN an order placed through the gateway
    order = requests.post(
        f"{local_stack.api_url}/v1/orders",
        json={"customer_email": "shopper@example.com", "items": [{"product_id": 3, "quantity": 1}]},
        timeout=30,
    )
    assert order.status_code == 201, order.text
    order_id = order.json()["id"]
    # WHEN the daily report runs for today
    today = order.json()["created_at"][:10]
    report, error = invoke(lambda_client, "shop-dev-report:dev", f'{{"date": "{today}"}}'.encode())
    assert error is None, report
    # THEN the outbox has the order's event and e-mail, and the report
    outbox = requests.get(f"{local_stack.api_url}/_local/outbox", timeout=10).json()
    events = [e for e in outbox["events"] if e["message"]["order"]["id"] == order_id]
    assert [e["attributes"]["event_type"]["Value"] for e in events] == ["order.created"]
    subjects = {m["subject"]: m for m in outbox["emails"]}
    assert subjects[f"Your order {order_id}"]["to"] == ["shopper@example.com"]
    assert subjects[f"[dev] Orders on {today}"]["to"] == ["dev-team@shop.example.com"]
    assert report["orders"] >= 1 and report["emailed"] is True
