"""Checks on the Terraform sources themselves: formatting, validity, conventions."""

import re

import pytest

from .conftest import REPO, TERRAFORM_DIR, Terraform, checkout

TF_FILES = sorted(p for p in TERRAFORM_DIR.rglob("*.tf") if ".terraform" not in p.parts)
MODULE_DIRS = sorted(p for p in (TERRAFORM_DIR / "modules").iterdir() if p.is_dir())


def blocks(kind: str, path):
    """(name, body) of every top-level `kind "name" { ... }` block of a file."""
    text = path.read_text()
    for match in re.finditer(rf'^{kind} "([^"]+)" \{{\n(.*?)^\}}', text, re.M | re.S):
        yield match.group(1), match.group(2)


def test_terraform_sources_are_formatted(terraform):
    result = terraform.run("fmt", "-check", "-recursive", "-diff", str(TERRAFORM_DIR))
    assert result.returncode == 0, f"run `make tf-fmt`:\n{result.stdout}"


def test_configuration_validates(terraform, scratch, cli_config):
    validating = Terraform(
        checkout(scratch, "checkout-validate"), cli_config, terraform.manifest, scratch
    )
    init = validating.run("init", "-backend=false", "-input=false", "-no-color")
    assert init.returncode == 0, init.stderr
    result = validating.run("validate", "-no-color")
    assert result.returncode == 0, result.stderr
    assert "Success" in result.stdout


def test_provider_is_pinned_and_locked():
    versions = (TERRAFORM_DIR / "versions.tf").read_text()
    assert re.search(r'version\s*=\s*"~> 5\.100"', versions)
    assert re.search(r"use_lockfile\s*=\s*true", versions)
    lock = (TERRAFORM_DIR / ".terraform.lock.hcl").read_text()
    assert 'provider "registry.terraform.io/hashicorp/aws"' in lock
    assert re.search(r'version\s*=\s*"5\.100\.\d+"', lock)
    assert re.search(r'"h1:[A-Za-z0-9+/=]+"', lock)


@pytest.mark.parametrize("module", MODULE_DIRS, ids=lambda p: p.name)
def test_module_layout(module):
    for name in ("main.tf", "variables.tf", "outputs.tf", "versions.tf"):
        assert (module / name).is_file(), f"{module.name} lacks {name}"


ROOT_VARIABLES = dict(blocks("variable", TERRAFORM_DIR / "variables.tf"))


@pytest.mark.parametrize("path", TF_FILES, ids=lambda p: str(p.relative_to(TERRAFORM_DIR)))
def test_variables_are_typed_and_described_outputs_described(path):
    for name, body in blocks("variable", path):
        assert re.search(r"^  description\s*=", body, re.M), f"variable {name} has no description"
        assert re.search(r"^  type\s*=", body, re.M), f"variable {name} has no type"
        type_expr = re.search(r"^  type\s*=(.*?)(?=^  [a-z_]+\s*[={]|\Z)", body, re.M | re.S)
        if re.search(r"\bany\b", type_expr.group(1)):
            # Only in a module, for a root tfvars object handed over whole,
            # whose type lives in the root variable the description names.
            assert "modules" in path.parts, f"variable {name} is typed any"
            home = re.search(r"[Tt]he root's `([a-z_]+)` variable", body)
            assert home and home.group(1) in ROOT_VARIABLES, (
                f"variable {name} is typed any without naming the root variable that types it"
            )
    for name, body in blocks("output", path):
        assert re.search(r"^  description\s*=", body, re.M), f"output {name} has no description"


def test_secrets_are_sensitive_outputs():
    outputs = dict(blocks("output", TERRAFORM_DIR / "outputs.tf"))
    assert "sensitive   = true" in outputs["admin_api_key"]
    assert not any("password" in name for name in outputs)


def test_only_the_root_reads_the_workspace():
    offenders = [
        str(p.relative_to(TERRAFORM_DIR))
        for p in TF_FILES
        if "modules" in p.parts and "terraform.workspace" in p.read_text()
    ]
    assert offenders == []


def test_no_data_source_calls_aws():
    """Offline plans need every data source to be computed locally."""
    data_sources = {
        m.group(1)
        for p in TF_FILES
        for m in re.finditer(r'^data "([a-z0-9_]+)"', p.read_text(), re.M)
    }
    assert data_sources <= {"aws_iam_policy_document"}


def test_ci_provider_override_makes_no_aws_call():
    overrides = (TERRAFORM_DIR / "ci" / "provider_override.tf").read_text()
    for setting in (
        "skip_credentials_validation",
        "skip_requesting_account_id",
        "skip_metadata_api_check",
        "skip_region_validation",
    ):
        assert re.search(rf"{setting}\s*=\s*true", overrides)


def test_every_stage_has_tfvars():
    for stage in ("dev", "qa", "prod"):
        text = (REPO / "envs" / f"{stage}.tfvars").read_text()
        assert re.search(rf'^stage\s*=\s*"{stage}"', text, re.M)
        assert "password" not in text.lower()
