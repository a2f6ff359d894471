"""The Parameters and Secrets extension's layer exists wherever a stage may live.

The ARNs are data (terraform/modules/function/extension_layers.tf), copied
from AWS's table; a region the root's `region` validation accepts without
a layer would plan a function that cannot read its config.
https://docs.aws.amazon.com/secretsmanager/latest/userguide/retrieving-secrets_lambda.html#retrieving-secrets_lambda_ARNs
"""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAYERS = ROOT / "terraform" / "modules" / "function" / "extension_layers.tf"
VARIABLES = ROOT / "terraform" / "variables.tf"


def _table(arch: str) -> dict[str, int]:
    text = LAYERS.read_text()
    body = re.search(rf"\n    {arch} = \{{(.*?)\n    \}}", text, re.S).group(1)
    return {region: int(v) for region, v in re.findall(r'"([a-z0-9-]+)"\s*=\s*(\d+)', body)}


def _accounts() -> dict[str, str]:
    text = LAYERS.read_text()
    body = re.search(r"parameters_secrets_extension_accounts = \{(.*?)\n  \}", text, re.S).group(1)
    return dict(re.findall(r'"([a-z0-9-]+)"\s*=\s*"(\d{12})"', body))


def _allowed_regions() -> list[str]:
    text = VARIABLES.read_text()
    block = text[text.index('variable "region"') :]
    block = block[: block.index("\n}\n")]
    listed = re.search(r"contains\(\[(.*?)\], var\.region\)", block, re.S).group(1)
    return re.findall(r'"([a-z0-9-]+)"', listed)


def test_every_region_the_root_accepts_has_an_x86_64_layer_and_its_account():
    regions = _allowed_regions()
    assert len(regions) >= 20
    x86, accounts = _table("x86_64"), _accounts()
    assert [r for r in regions if r not in x86] == []
    assert [r for r in regions if r not in accounts] == []


def test_arm64_layers_are_a_subset_with_known_accounts():
    arm, accounts = _table("arm64"), _accounts()
    assert arm and set(arm) <= set(_table("x86_64")) and set(arm) <= set(accounts)


def test_each_stage_region_has_a_layer_for_its_functions_architectures():
    for tfvars in sorted((ROOT / "envs").glob("*.tfvars")):
        text = tfvars.read_text()
        region = re.search(r'^region\s*=\s*"([a-z0-9-]+)"', text, re.M).group(1)
        arches = set(re.findall(r'architecture\s*=\s*"(x86_64|arm64)"', text)) or {"x86_64"}
        for arch in arches:
            assert region in _table(arch), f"{tfvars.name}: no {arch} extension in {region}"
