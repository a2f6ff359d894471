"""Post-apply steps against moto (S3, CloudFront) and botocore's Stubber (Lambda
invoke, which moto can only run with Docker)."""

import io
import json

import boto3
import pytest
from botocore.response import StreamingBody
from botocore.stub import Stubber
from moto import mock_aws

from deploy import release
from deploy.steps import DeployError


@pytest.fixture
def aws():
    with mock_aws():
        yield boto3.session.Session(region_name="eu-west-1")


def test_upload_site_puts_web_with_types_keeps_generated_files_and_removes_stale(aws, tmp_path):
    s3 = aws.client("s3")
    s3.create_bucket(Bucket="site", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    s3.put_object(Bucket="site", Key="config.json", Body=b'{"apiBaseUrl": "https://api"}')
    s3.put_object(Bucket="site", Key="old.js", Body=b"gone")
    web = tmp_path / "web"
    (web / "assets").mkdir(parents=True)
    (web / "index.html").write_text("<!doctype html>")
    (web / "assets" / "app.js").write_text("console.log(1)")
    (web / "assets" / "logo.png").write_bytes(b"\x89PNG")
    (web / "config.json").write_text('{"apiBaseUrl": "http://127.0.0.1:3000"}')  # local copy

    count = release.upload_site(s3, "site", web, {"openapi": "3.0.3"})

    keys = {o["Key"] for o in s3.list_objects_v2(Bucket="site")["Contents"]}
    assert keys == {"index.html", "assets/app.js", "assets/logo.png", "openapi.json", "config.json"}
    assert count == 4
    png = s3.head_object(Bucket="site", Key="assets/logo.png")
    assert (png["ContentType"], png["CacheControl"]) == ("image/png", "public, max-age=3600")
    config = s3.get_object(Bucket="site", Key="config.json")["Body"].read()
    assert config == b'{"apiBaseUrl": "https://api"}'  # Terraform's, not the local one
    html = s3.head_object(Bucket="site", Key="index.html")
    assert html["ContentType"] == "text/html; charset=utf-8" and html["CacheControl"] == "no-cache"
    js = s3.head_object(Bucket="site", Key="assets/app.js")
    assert js["ContentType"].endswith("javascript; charset=utf-8")
    assert js["CacheControl"] == "no-cache"  # no content hash in the name: revalidate


def _stubbed_lambda(payload: dict, *, error: str | None = None):
    client = boto3.client(
        "lambda", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    stub = Stubber(client)
    body = json.dumps(payload).encode()
    response = {"StatusCode": 200, "Payload": StreamingBody(io.BytesIO(body), len(body))}
    if error:
        response["FunctionError"] = error
    stub.add_response(
        "invoke",
        response,
        {"FunctionName": "arn:fn:migrate:qa", "Payload": b'{"action": "upgrade"}'},
    )
    stub.activate()
    return client


def test_migrations_report_the_revision_or_fail_with_the_logs_hint():
    ok = release.run_migrations(
        _stubbed_lambda({"before": None, "after": "0001"}), "arn:fn:migrate:qa"
    )
    assert ok == {"before": None, "after": "0001"}
    failing = _stubbed_lambda({"errorMessage": "Access denied"}, error="Unhandled")
    with pytest.raises(DeployError, match="migrations failed: .*Access denied") as info:
        release.run_migrations(failing, "arn:fn:migrate:qa")
    assert "make logs" in info.value.hint


def test_smoke_test_names_the_url_and_the_last_answer():
    def refuse(url, timeout):
        raise OSError("connection refused")

    with pytest.raises(
        DeployError, match=r"GET https://api.example/qa/v1/health -> connection refused"
    ):
        release.smoke_test("https://api.example/qa/", timeout=0.1, opener=refuse)


def test_tfvars_must_declare_their_own_stage(tmp_path):
    with pytest.raises(DeployError, match="unknown ENV 'test'"):
        release.tfvars("test")
    assert release.tfvars("qa").count('"qa"') >= 1
    (tmp_path / "qa.tfvars").write_text('stage = "prod"\n')
    with pytest.raises(DeployError, match="envs/qa.tfvars declares stage = 'prod'") as info:
        release.tfvars("qa", envs=tmp_path)
    assert info.value.hint == 'set stage = "qa" in envs/qa.tfvars'
