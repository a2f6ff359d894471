"""Post-apply steps against moto (S3, CloudFront) and a recording Lambda client
(invoke, which moto can only run with Docker)."""

import io
import json

import boto3
import pytest
from botocore.response import StreamingBody
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


class RecordingLambda:
    """A Lambda client that records each invoke and answers with `answer` (moto can
    only run a function with Docker)."""

    def __init__(self, answer: dict, *, error: str | None = None):
        self.answer, self.error, self.calls = answer, error, []

    def invoke(self, **kwargs):
        self.calls.append(kwargs)
        body = json.dumps(self.answer).encode()
        response = {"StatusCode": 200, "Payload": StreamingBody(io.BytesIO(body), len(body))}
        if self.error:
            response["FunctionError"] = self.error
        return response


def test_migrations_run_synchronously_on_the_alias_and_report_the_revisions():
    # GIVEN the migrate function answers as shop.handlers.migrate does
    answer = {"action": "upgrade", "before": "0002", "after": "0004", "head": "0004"}
    client = RecordingLambda(answer)
    # WHEN the deploy runs the migrations
    result = release.run_migrations(client, "arn:aws:lambda:eu-west-1:1:function:migrate:qa")
    # THEN it invoked the alias once and waited for the answer: an asynchronous
    # ("Event") invoke would let the release go on before the schema is upgraded
    [call] = client.calls
    assert call["FunctionName"] == "arn:aws:lambda:eu-west-1:1:function:migrate:qa"
    assert call.get("InvocationType", "RequestResponse") == "RequestResponse"
    assert json.loads(call["Payload"]) == {"action": "upgrade"}
    assert (result["before"], result["after"]) == ("0002", "0004")


def test_failed_migrations_stop_the_release_with_the_logs_hint():
    failing = RecordingLambda({"errorMessage": "Access denied"}, error="Unhandled")
    with pytest.raises(DeployError, match="migrations failed: .*Access denied") as info:
        release.run_migrations(failing, "arn:fn:migrate:qa")
    assert "make logs" in info.value.hint and "schema is not upgraded" in info.value.hint


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
