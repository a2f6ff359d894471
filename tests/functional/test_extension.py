"""Config and secret through the Parameters and Secrets extension (emulated over moto).

The emulator (local/extension.py) follows AWS's documented interface; these
tests hold both sides to it: the function's client (shop/extension.py) and
the answers' shapes.
https://docs.aws.amazon.com/systems-manager/latest/userguide/ps-integration-lambda-extensions.html
https://docs.aws.amazon.com/secretsmanager/latest/userguide/retrieving-secrets_lambda.html
"""

import json

import pytest

from shop.errors import ConfigError
from shop.extension import ExtensionClient, ExtensionError


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


@pytest.fixture
def cached(aws):
    """An extension with its own 300 s cache and a clock the test moves."""
    clock = Clock()
    with aws.extension(token="t0ken", parameter_ttl=300, secret_ttl=300, clock=clock) as server:
        yield server, clock


def test_a_request_without_the_session_token_is_refused(cached):
    server, _ = cached
    wrong = ExtensionClient(port=server.port, token="another-environments-token")
    with pytest.raises(ExtensionError) as refused:
        wrong.parameter("/shop/dev/config")
    assert refused.value.http_status == 401 and server.calls["parameter"] == 0


def test_parameter_answer_has_getparameters_shape_and_the_value(aws, cached):
    server, _ = cached
    status, body = server.answer(
        "/systemsmanager/parameters/get?name=%2Fshop%2Fdev%2Fconfig", "t0ken"
    )
    document = json.loads(body)
    assert status == 200 and list(document) == ["Parameter", "ResultMetadata"]
    assert set(document["Parameter"]) == {
        "ARN", "DataType", "LastModifiedDate", "Name", "Selector",
        "SourceResult", "Type", "Value", "Version",
    }  # fmt: skip
    assert document["Parameter"]["Name"] == "/shop/dev/config"
    assert json.loads(document["Parameter"]["Value"])["log_level"] == "INFO"


def test_secret_answer_has_getsecretvalues_shape(aws, cached):
    server, _ = cached
    arn = aws.put_db_secret("shop", "pw")
    client = ExtensionClient(port=server.port, token="t0ken")
    assert json.loads(client.secret(arn)) == {"username": "shop", "password": "pw"}
    _, body = server.answer(f"/secretsmanager/get?secretId={arn}", "t0ken")
    assert list(json.loads(body)) == [
        "ARN", "CreatedDate", "Name", "SecretBinary", "SecretString",
        "VersionId", "VersionStages", "ResultMetadata",
    ]  # fmt: skip


def test_the_extension_caches_for_its_ttl_and_a_fresh_read_skips_the_cache(aws, cached):
    # GIVEN a secret read once through the extension
    server, clock = cached
    arn = aws.put_db_secret("shop", "old")
    client = ExtensionClient(port=server.port, token="t0ken")
    assert json.loads(client.secret(arn))["password"] == "old"
    # WHEN it is rotated
    aws.session.client("secretsmanager").put_secret_value(
        SecretId=arn, SecretString=json.dumps({"username": "shop", "password": "new"})
    )
    # THEN a cached read still sees the old value, a fresh one the new, as does any after the TTL
    clock.now += 299
    assert json.loads(client.secret(arn))["password"] == "old"
    assert json.loads(client.secret(arn, fresh=True))["password"] == "new"
    assert server.calls["secret"] == 2


def test_an_unknown_parameter_is_an_error_naming_aws_reason(cached):
    server, _ = cached
    client = ExtensionClient(port=server.port, token="t0ken")
    with pytest.raises(ExtensionError, match="ParameterNotFound") as failed:
        client.parameter("/shop/nowhere/config")
    assert failed.value.http_status == 400


def test_no_extension_listening_says_what_to_check():
    from support.mariadb import free_port

    client = ExtensionClient(port=free_port(), token="t", timeout=1)
    with pytest.raises(ConfigError, match="is its layer attached to the function"):
        client.parameter("/shop/dev/config")


def test_port_comes_from_the_extensions_own_variable():
    env = {"PARAMETERS_SECRETS_EXTENSION_HTTP_PORT": "2999", "AWS_SESSION_TOKEN": "x"}
    assert ExtensionClient.from_env(env).port == 2999
    assert ExtensionClient.from_env({}).port == 2773
    with pytest.raises(ConfigError, match="must be a port"):
        ExtensionClient.from_env({"PARAMETERS_SECRETS_EXTENSION_HTTP_PORT": "http"})


def test_a_failed_refresh_keeps_the_last_good_config(make_api, extension, aws):
    # GIVEN an api that has served with the stage's config
    from support.events import LambdaContext, load_event

    clock = Clock()
    from shop.app import build_api
    from shop.runtime import build_runtime

    api = make_api()
    runtime = build_runtime(api.runtime.env, session=aws.session, clock=clock)
    api = build_api(runtime=runtime)
    assert api.handle(load_event("health"), LambdaContext("dev"))["statusCode"] == 200
    # WHEN the extension goes away and the TTL passes
    extension.stop()
    clock.now += 3600
    # THEN requests are still served with the last good config
    assert api.handle(load_event("health"), LambdaContext("dev"))["statusCode"] == 200
