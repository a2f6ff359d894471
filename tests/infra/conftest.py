"""Harness for the infra tier: real `terraform plan`s, offline.

The root is copied into a scratch directory together with the CI-only
overrides in terraform/ci/ (local backend, fake credentials, no account
lookups), so a developer's own terraform/.terraform, workspaces and state are
never touched and parallel runs do not collide. Each plan selects its
workspace through TF_WORKSPACE, as the local backend allows.

A build manifest with tiny deterministic zips is generated in the scratch
directory and passed as `manifest_path`; the tests never need build.py.

Plans are expensive (seconds each): every stage is planned once per session
and shared by the tests, and every plan a test module declares as a
`Scenario` runs in a small thread pool while the first tests execute.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import itertools
import json
import os
import shutil
import subprocess
import threading
import time
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pytest
import yaml

from deploy.terraform import write_cli_config
from support import timings

REPO = Path(__file__).resolve().parents[2]
TERRAFORM_DIR = REPO / "terraform"
STAGES = ("dev", "qa", "prod")
FUNCTIONS = {
    "api": ("shop.api.handler", ["deps"]),
    "report": ("shop.handlers.report.handler", ["deps"]),
    "migrate": ("shop.handlers.migrate.handler", ["deps", "migrations"]),
    "warmer": ("warmer.handler.handler", []),
}
# Built like the functions but no stage function: CodeDeploy's pre-traffic hook.
HOOKS = {"pretraffic": ("pretraffic.handler.handler", [])}
LAYERS = ("deps", "migrations")
PUBLIC_ACCESS_BLOCKS = (
    "block_public_acls",
    "block_public_policy",
    "ignore_public_acls",
    "restrict_public_buckets",
)
# Copying these would drag a developer's state or provider cache along.
COPY_IGNORE = shutil.ignore_patterns(
    ".terraform",
    "terraform.tfstate.d",
    "*.tfstate",
    "*.tfstate.backup",
    "*.tfplan",
    "override.tf",
    "*_override.tf",
    "ci",
)


def _zip(path: Path, member: str, text: str) -> dict:
    info = zipfile.ZipInfo(member, date_time=(1980, 1, 1, 0, 0, 0))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(info, text)
    digest = hashlib.sha256(path.read_bytes()).digest()
    return {
        "path": f"build/{path.name}",
        "size": path.stat().st_size,
        "unzipped_size": len(text),
        "sha256": digest.hex(),
        "sha256_base64": base64.b64encode(digest).decode(),
        "input_hash": hashlib.sha256(text.encode()).hexdigest(),
    }


def write_build(root: Path, architecture: str = "x86_64", salt: dict | None = None) -> Path:
    """Write root/build/manifest.json and its zips in the documented format.

    `salt` maps a function or layer name to extra content, giving it a new
    hash while everything else stays byte-identical.
    """
    salt = salt or {}
    build = root / "build"
    build.mkdir(parents=True, exist_ok=True)
    common = {"runtime": "python3.12", "architecture": architecture}
    manifest = {"format": 1, **common, "layers": {}, "functions": {}}
    for layer in LAYERS:
        entry = _zip(build / f"{layer}.zip", "python/README", f"{layer}{salt.get(layer, '')}")
        manifest["layers"][layer] = {**entry, **common}
    for name, (handler, layers) in {**FUNCTIONS, **HOOKS}.items():
        entry = _zip(build / f"{name}.zip", f"{name}.py", f"# {name}{salt.get(name, '')}\n")
        manifest["functions"][name] = {**entry, **common, "handler": handler, "layers": layers}
    path = build / "manifest.json"
    path.write_text(json.dumps(manifest, indent=2))
    return path


def load_contract() -> dict:
    return yaml.safe_load((REPO / "api" / "openapi.yaml").read_text())


@dataclass
class Plan:
    """A stage's plan JSON with lookups the tests share."""

    data: dict

    @cached_property
    def changes(self) -> dict[str, dict]:
        return {r["address"]: r for r in self.data["resource_changes"]}

    def of_type(self, type_: str, mode: str = "managed") -> dict[str, dict]:
        """after-values of every planned resource of a type, by address."""
        return {
            address: r["change"]["after"]
            for address, r in self.changes.items()
            if r["type"] == type_ and r["mode"] == mode
        }

    def bucket_is_private_versioned_encrypted(self) -> str:
        """Assert the plan's one S3 bucket blocks public access and is versioned;
        return its default encryption algorithm."""
        (block,) = self.of_type("aws_s3_bucket_public_access_block").values()
        assert all(block[k] for k in PUBLIC_ACCESS_BLOCKS)
        (versioning,) = self.of_type("aws_s3_bucket_versioning").values()
        assert versioning["versioning_configuration"][0]["status"] == "Enabled"
        (sse,) = self.of_type("aws_s3_bucket_server_side_encryption_configuration").values()
        return sse["rule"][0]["apply_server_side_encryption_by_default"][0]["sse_algorithm"]

    def unknown(self, address: str) -> dict:
        return self.changes[address]["change"]["after_unknown"]

    def after(self, address: str) -> dict:
        return self.changes[address]["change"]["after"]

    def output(self, name: str):
        return self.data["output_changes"][name]["after"]

    def variable(self, name: str):
        return self.data["variables"][name]["value"]

    def module_resource_config(self, module: str, address: str) -> dict:
        """The configuration block (expressions with references) of a resource in a module call."""
        resources = self.data["configuration"]["root_module"]["module_calls"][module]["module"][
            "resources"
        ]
        return next(r for r in resources if r["address"] == address)

    def policy_statements(self, module: str) -> list[dict]:
        """Statements of a function role's policy document (read at apply, so planned as data)."""
        address = f"module.{module}.data.aws_iam_policy_document.this"
        return self.after(address)["statement"]


@dataclass
class Outcome:
    """Result of a plan expected to be refused: exit code and the error diagnostics."""

    returncode: int
    errors: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.errors)


@dataclass(frozen=True, eq=False)
class Scenario:
    """A plan beyond the plain per-stage ones, declared at module level by a test file.

    Every scenario of the collected test modules is planned in the background
    as soon as the first one is asked for, so the plans overlap.

    overrides: given the stage's tfvars values, returns variables to replace.
    contract:  edits a copy of api/openapi.yaml in place.
    build:     keyword arguments of write_build for a separate package.
    pin_api_function: plan in a copy whose api module gets a known function
               ARN, so the rendered REST API body is visible in the plan.
    refused:   True when the plan must fail (the result is an Outcome).
    """

    stage: str
    refused: bool = False
    workspace: str | None = None
    overrides: Callable[[dict], dict] | None = None
    contract: Callable[[dict], None] | None = None
    build: dict | None = None
    pin_api_function: bool = False


PINNED_FUNCTION_ARN = "arn:aws:lambda:eu-west-1:111122223333:function:shop-{stage}-api"
PINNED_SITE_ORIGIN = "https://d111111abcdef8.cloudfront.net"


class Terraform:
    """Runs terraform in a scratch copy of the root."""

    def __init__(self, root: Path, cli_config: Path | None, manifest: Path, scratch: Path):
        self.root = root
        self.manifest = manifest
        self.scratch = scratch
        self._counter = itertools.count()
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TF_"))}
        self.env.update(
            TF_IN_AUTOMATION="1",
            TF_INPUT="0",
            CHECKPOINT_DISABLE="1",
            TF_DATA_DIR=str(root / ".terraform"),
        )
        if cli_config is not None:
            self.env["TF_CLI_CONFIG_FILE"] = str(cli_config)

    def run(self, *args: str, workspace: str | None = None, data_dir: Path | None = None):
        env = dict(self.env)
        if workspace:
            env["TF_WORKSPACE"] = workspace
        if data_dir:
            env["TF_DATA_DIR"] = str(data_dir)
        return subprocess.run(
            ["terraform", *args],
            cwd=self.root,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )

    def init(self) -> None:
        result = self.run("init", "-input=false", "-no-color")
        assert result.returncode == 0, f"terraform init failed:\n{result.stderr}\n{result.stdout}"

    def _scratch_file(self, suffix: str) -> Path:
        return self.scratch / f"input-{next(self._counter)}{suffix}"

    def _plan_args(
        self,
        stage: str,
        *,
        overrides: dict | None = None,
        contract: dict | None = None,
        manifest: Path | None = None,
    ) -> list[str]:
        args = [
            "plan",
            "-refresh=false",
            "-lock=false",
            "-input=false",
            "-no-color",
            f"-var-file={REPO / 'envs' / f'{stage}.tfvars'}",
            f"-var=manifest_path={manifest or self.manifest}",
        ]
        if overrides:
            path = self._scratch_file(".tfvars.json")
            path.write_text(json.dumps(overrides))
            args.append(f"-var-file={path}")
        if contract is not None:
            path = self._scratch_file(".yaml")
            path.write_text(yaml.safe_dump(contract, sort_keys=False))
            args.append(f"-var=contract_path={path}")
        return args

    def show(self, out: Path, workspace: str | None = None) -> Plan:
        """The saved plan `out` as JSON."""
        shown = self.run("show", "-json", str(out), workspace=workspace)
        assert shown.returncode == 0, shown.stderr
        return Plan(json.loads(shown.stdout))

    def plan(self, stage: str, *, workspace: str | None = None, **inputs) -> Plan:
        """Plan a stage and return its JSON; raises with the diagnostics if refused.

        inputs: overrides, contract and manifest, as _plan_args takes them.
        """
        out = self._scratch_file(".tfplan")
        args = self._plan_args(stage, **inputs)
        started = time.monotonic()
        result = self.run(*args, f"-out={out}", workspace=workspace or stage)
        if result.returncode != 0:
            raise AssertionError(f"terraform plan for {stage} failed:\n{result.stderr}")
        planned = time.monotonic()
        plan = self.show(out, workspace or stage)
        timings.note("terraform plan", planned - started)
        timings.note("terraform show -json", time.monotonic() - planned)
        return plan

    def refused(self, stage: str, *, workspace: str | None = None, **inputs) -> Outcome:
        """Plan a stage expected to fail; return the error diagnostics as users read them."""
        args = self._plan_args(stage, **inputs)
        args[args.index("-no-color")] = "-json"
        result = self.run(*args, workspace=workspace or stage)
        errors = []
        for line in result.stdout.splitlines():
            try:
                message = json.loads(line)
            except ValueError:
                continue
            diagnostic = message.get("diagnostic") or {}
            if message.get("type") == "diagnostic" and diagnostic.get("severity") == "error":
                errors.append(f"{diagnostic.get('summary', '')}: {diagnostic.get('detail', '')}")
        return Outcome(result.returncode, errors)


def plan_module(
    terraform: Terraform,
    cli_config: Path | None,
    root: Path,
    module: str,
    inputs: dict,
    state: dict,
    outputs: tuple[str, ...] = (),
) -> Plan:
    """Plan terraform/modules/<module> alone in a small root of its own at `root`,
    called as `module.<module>` with `inputs`, over `state` (a state file's JSON);
    the module's `outputs` named become root outputs."""
    shutil.copytree(TERRAFORM_DIR / "modules" / module, root / "modules" / module)
    shutil.copy(TERRAFORM_DIR / "ci" / "provider_override.tf", root / "provider_override.tf")
    config = {
        "provider": {"aws": {"region": "eu-west-1"}},
        "module": {module: {"source": f"./modules/{module}", **inputs}},
    }
    if outputs:
        config["output"] = {name: {"value": f"${{module.{module}.{name}}}"} for name in outputs}
    (root / "main.tf.json").write_text(json.dumps(config))
    tf = Terraform(root, cli_config, terraform.manifest, root.parent)
    tf.init()  # before the state exists: init would offer to migrate it
    (root / "terraform.tfstate").write_text(json.dumps(state))
    planned = tf.run("plan", "-refresh=false", "-lock=false", "-input=false", "-out=plan")
    assert planned.returncode == 0, planned.stderr
    return tf.show(root / "plan")


def checkout(scratch: Path, name: str) -> Path:
    """Copy the root and the contract into scratch/name with the CI overrides; return the root."""
    target = scratch / name
    shutil.copytree(TERRAFORM_DIR, target / "terraform", ignore=COPY_IGNORE)
    shutil.copytree(REPO / "api", target / "api")
    for override in (TERRAFORM_DIR / "ci").glob("*_override.tf"):
        shutil.copy(override, target / "terraform" / override.name)
    return target / "terraform"


class Plans:
    """Every plan of the session, run a few at a time in the background."""

    def __init__(
        self,
        terraform: Terraform,
        cli_config: Path | None,
        scratch: Path,
        scenarios: list[Scenario],
    ):
        self.terraform = terraform
        self.cli_config = cli_config
        self.scratch = scratch
        self._lock = threading.Lock()
        self._futures: dict = {}
        # Plans are CPU-bound; one more worker than cores keeps both busy
        # while a plan starts its provider.
        self._pool = ThreadPoolExecutor(max_workers=(os.cpu_count() or 2) + 1)
        self._pinned: Terraform | None = None
        for stage in STAGES:
            self._submit(stage, lambda s=stage: self.terraform.plan(s))
        for scenario in scenarios:
            self._submit(scenario, lambda sc=scenario: self._run(sc))

    def _submit(self, key, fn):
        with self._lock:
            if key not in self._futures:
                self._futures[key] = self._pool.submit(fn)
            return self._futures[key]

    def stage(self, stage: str) -> Plan:
        return self._submit(stage, lambda: self.terraform.plan(stage)).result()

    def __getitem__(self, scenario: Scenario):
        return self._submit(scenario, lambda: self._run(scenario)).result()

    def _pinned_terraform(self) -> Terraform:
        with self._lock:
            if self._pinned is None:
                root = checkout(self.scratch, "checkout-pinned")
                arn = PINNED_FUNCTION_ARN.format(stage="${terraform.workspace}")
                # The function ARN and the storefront's domain, as every plan
                # after the first apply knows them.
                (root / "api_function_test_override.tf").write_text(
                    'module "api" {\n  function = {\n'
                    '    name       = "shop-${terraform.workspace}-api"\n'
                    "    alias_name = terraform.workspace\n  }\n"
                    f'  function_arn = "{arn}"\n'
                    f'  site_origin = "{PINNED_SITE_ORIGIN}"\n}}\n'
                )
                pinned = Terraform(root, self.cli_config, self.terraform.manifest, self.scratch)
                pinned.init()
                self._pinned = pinned
            return self._pinned

    def _run(self, scenario: Scenario):
        tf = self._pinned_terraform() if scenario.pin_api_function else self.terraform
        overrides = None
        if scenario.overrides:
            base = self.stage(scenario.stage).data["variables"]
            values = copy.deepcopy({name: v["value"] for name, v in base.items()})
            overrides = scenario.overrides(values)
        contract = None
        if scenario.contract:
            contract = load_contract()
            scenario.contract(contract)
        manifest = None
        if scenario.build is not None:
            manifest = write_build(self.scratch / f"build-{id(scenario)}", **scenario.build)
        run = tf.refused if scenario.refused else tf.plan
        return run(
            scenario.stage,
            workspace=scenario.workspace,
            overrides=overrides,
            contract=contract,
            manifest=manifest,
        )

    def close(self):
        self._pool.shutdown(wait=True, cancel_futures=True)


@pytest.fixture(scope="session")
def scratch(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("infra")


@pytest.fixture(scope="session")
def cli_config(scratch) -> Path | None:
    if shutil.which("terraform") is None:
        pytest.fail("terraform is not on PATH; the infra tier needs Terraform 1.11.x")
    return write_cli_config(scratch)


@pytest.fixture(scope="session")
def terraform(scratch, cli_config) -> Terraform:
    """The root copied beside api/, with the CI overrides, initialised on a local backend."""
    tf = Terraform(
        checkout(scratch, "checkout"), cli_config, write_build(scratch / "package"), scratch
    )
    tf.init()
    return tf


@pytest.fixture(scope="session")
def plans(request, terraform, cli_config, scratch):
    """Per-stage plans and the collected test modules' scenarios, planned in the background."""
    modules = {item.module for item in request.session.items}
    scenarios = []
    for module in modules:
        for value in vars(module).values():
            members = value.values() if isinstance(value, dict) else [value]
            scenarios += [m for m in members if isinstance(m, Scenario)]
    runner = Plans(terraform, cli_config, scratch, scenarios)
    yield runner
    runner.close()


@pytest.fixture(scope="session")
def stage_plans(plans):
    class StagePlans:
        def __getitem__(self, stage):
            return plans.stage(stage)

    return StagePlans()


@pytest.fixture(params=STAGES)
def stage(request) -> str:
    return request.param


@pytest.fixture
def plan(stage, plans) -> Plan:
    return plans.stage(stage)


@pytest.fixture
def tfvars(plan) -> dict:
    """The stage's variable values as given in its tfvars (optional attributes may be absent)."""
    return {name: v["value"] for name, v in plan.data["variables"].items()}


@pytest.fixture
def contract() -> dict:
    return copy.deepcopy(load_contract())


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.infra)
