"""Fixtures of the local stack's tests.

`local_stack` is the whole stack in this process (moto server, worker
processes, gateway and storefront on free ports) from a fixture tfvars, so
tests can look at its parts. `make_echo_gateway` builds gateways over a
small test contract whose function sleeps, echoes or misbehaves on
request, for what the shop's handler never does. Nothing is patched.
"""

import pytest
from localkit import API_KEY, ECHO_KEY, FIXTURES, REGION, ROOT, TFVARS, LogFile

from local import contract as local_contract
from local.cache import ResponseCache
from local.cors import CorsSettings
from local.events import Stage
from local.gateway import Gateway
from local.workers import FunctionSpec, Pool
from support.mariadb import free_port


@pytest.fixture(scope="module")
def local_stack(tmp_path_factory):
    """The whole local stack, in-process, seeded, with the gateway recording its events."""
    from local.system import Options, Stack

    state = tmp_path_factory.mktemp("local-stack")
    options = Options(
        state_dir=state,
        api_port=free_port(),
        web_port=free_port(),
        moto_port=free_port(),
        tfvars=TFVARS,
        api_key=API_KEY,
        throttle=False,
        record_events=500,
        cache_ttl=300,  # the fixture stage has no cache cluster; these tests need one
    )
    stack = Stack(options, log=LogFile(state / "stack.log"))
    stack.start()
    yield stack
    stack.stop()


@pytest.fixture(scope="module")
def echo_pool():
    spec = FunctionSpec(
        name="echo-fn",
        handler="echo_handler.handler",
        arn=f"arn:aws:lambda:{REGION}:123456789012:function:echo-fn",
        timeout=5.0,
        python_path=(str(FIXTURES), str(ROOT)),
    )
    pool = Pool(spec, max_workers=3, cwd=ROOT, log=lambda line: None)
    yield pool
    pool.close()


@pytest.fixture
def make_echo_gateway(echo_pool):
    """Return a factory of gateways over the echo contract (no HTTP server needed)."""

    def build(**overrides) -> Gateway:
        cors_settings = CorsSettings(("https://shop.example.com",))
        document = local_contract.load(
            FIXTURES / "echo_api.yaml", {"region": REGION, **cors_settings.placeholders()}
        )
        settings = {
            "stage": Stage("dev", "123456789012", variables={"alias": "dev"}),
            "cors_settings": cors_settings,
            "api_keys": frozenset({ECHO_KEY}),
            "cache": ResponseCache(0),
            "integration_timeout": 2.0,
            "log": lambda line: None,
        }
        return Gateway(document, {"echo-fn": echo_pool}, **{**settings, **overrides})

    return build
