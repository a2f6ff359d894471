"""The provider lock file works on every developer's machine, not just CI's.

Terraform checks a provider package against the lock's hashes: `zh:` is the
SHA-256 of a platform's release zip (what `init` downloads from the registry),
`h1:` the hash of an unpacked package (what a filesystem mirror holds).
https://developer.hashicorp.com/terraform/language/files/dependency-lock#checksum-verification

The `zh:` set below is the registry's published one for hashicorp/aws 5.100.0
(its SHA256SUMS, one zip per platform, darwin/linux/windows amd64 and arm64
and the BSDs among them), as every public lock file of that version records
it. Which zip each hash belongs to is not recorded in a lock file, so the test
requires the whole published set: dropping any platform's hash fails it.
The `h1:` of linux_amd64 is computed here from the mirror.
"""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from deploy.terraform import find_mirror, write_cli_config

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "terraform" / ".terraform.lock.hcl"
# Every Terraform root a developer runs init in: the stages' and the account's.
ROOTS = (ROOT / "terraform", ROOT / "terraform" / "bootstrap")
PUBLISHED_ZIP_HASHES = {
    "054b8dd49f0549c9a7cc27d159e45327b7b65cf404da5e5a20da154b90b8a644",
    "0b97bf8d5e03d15d83cc40b0530a1f84b459354939ba6f135a0086c20ebbe6b2",
    "1589a2266af699cbd5d80737a0fe02e54ec9cf2ca54e7e00ac51c7359056f274",
    "6330766f1d85f01ae6ea90d1b214b8b74cc8c1badc4696b165b36ddd4cc15f7b",
    "7c8c2e30d8e55291b86fcb64bdf6c25489d538688545eb48fd74ad622e5d3862",
    "99b1003bd9bd32ee323544da897148f46a527f622dc3971af63ea3e251596342",
    "9b12af85486a96aedd8d7984b0ff811a4b42e3d88dad1a3fb4c0b580d04fa425",
    "9f8b909d3ec50ade83c8062290378b1ec553edef6a447c56dadc01a99f4eaa93",
    "aaef921ff9aabaf8b1869a86d692ebd24fbd4e12c21205034bb679b9caf883a2",
    "ac882313207aba00dd5a76dbd572a0ddc818bb9cbf5c9d61b28fe30efaec951e",
    "bb64e8aff37becab373a1a0cc1080990785304141af42ed6aa3dd4913b000421",
    "dfe495f6621df5540d9c92ad40b8067376350b005c637ea6efac5dc15028add4",
    "f0ddf0eaf052766cfe09dea8200a946519f653c384ab4336e2a4a64fdd6310e9",
    "f1b7e684f4c7ae1eed272b6de7d2049bb87a0275cb04dbb7cda6636f600699c9",
    "ff461571e3f233699bf690db319dfe46aec75e58726636a0d97dd9ac6e32fb70",
}


def lock_hashes(text: str) -> tuple[set[str], set[str]]:
    """Return the (zh, h1) hashes of the aws provider in a lock file's text."""
    block = re.search(r'provider "registry.terraform.io/hashicorp/aws" \{(.*?)\n\}', text, re.S)
    assert block, "the lock file has no hashicorp/aws entry"
    body = block.group(1)
    assert re.search(r'version\s*=\s*"5\.100\.0"', body)
    return set(re.findall(r'"zh:([0-9a-f]{64})"', body)), set(re.findall(r'"h1:([^"]+)"', body))


def missing_platform_zips(text: str) -> set[str]:
    zips, _ = lock_hashes(text)
    return PUBLISHED_ZIP_HASHES - zips


def test_every_root_is_a_root_and_only_these_are():
    # a folder with a backend is a root; modules have none
    with_backend = {
        path.parent
        for path in (ROOT / "terraform").rglob("*.tf")
        if re.search(r'^\s*backend\s+"', path.read_text(), re.M) and "override" not in path.name
    }
    assert with_backend == set(ROOTS)


@pytest.mark.parametrize("root", ROOTS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_published_platform_zip_is_locked(root):
    lock = root / ".terraform.lock.hcl"
    assert lock.is_file(), f"{lock.relative_to(ROOT)} is missing"
    assert missing_platform_zips(lock.read_text()) == set()


def test_a_lock_file_missing_one_platform_is_caught():
    one_gone = LOCK.read_text().replace(f'    "zh:{sorted(PUBLISHED_ZIP_HASHES)[3]}",\n', "")
    assert len(missing_platform_zips(one_gone)) == 1


def _terraform(args, cwd: Path, config: Path):
    env = {**os.environ, "TF_CLI_CONFIG_FILE": str(config), "CHECKPOINT_DISABLE": "1"}
    return subprocess.run(
        ["terraform", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


@pytest.fixture
def versions_only(tmp_path):
    if find_mirror() is None:
        pytest.skip("no provider mirror on this machine")
    root = tmp_path / "root"
    root.mkdir()
    shutil.copy2(ROOT / "terraform" / "versions.tf", root / "versions.tf")
    text = (root / "versions.tf").read_text()
    (root / "versions.tf").write_text(re.sub(r'\n\s*backend "s3" \{[^}]*\}', "", text))
    return root, write_cli_config(tmp_path)


@pytest.mark.infra
def test_linux_amd64_hash_matches_the_mirror_and_init_verifies_it(versions_only):
    # GIVEN a root with only the provider requirement, and a lock computed from the mirror
    root, config = versions_only
    mirror = find_mirror()
    computed = _terraform(
        ["providers", "lock", f"-fs-mirror={mirror}", "-platform=linux_amd64"], root, config
    )
    assert computed.returncode == 0, computed.stderr
    _, mirror_h1 = lock_hashes((root / ".terraform.lock.hcl").read_text())
    _, shipped_h1 = lock_hashes(LOCK.read_text())
    # THEN the shipped lock carries the mirror's package hash
    assert mirror_h1 <= shipped_h1
    # AND init from the mirror accepts the shipped lock unchanged
    shutil.copy2(LOCK, root / ".terraform.lock.hcl")
    init = _terraform(["init", "-backend=false", "-input=false", "-no-color"], root, config)
    assert init.returncode == 0, init.stderr
    assert (root / ".terraform.lock.hcl").read_text() == LOCK.read_text()
    # AND a lock whose h1 is another package's is refused by init: the check is real
    tampered = LOCK.read_text()
    for h1 in mirror_h1:
        tampered = tampered.replace(f'"h1:{h1}"', '"h1:' + "A" * 43 + '="')
    (root / ".terraform.lock.hcl").write_text(tampered)
    shutil.rmtree(root / ".terraform")
    refused = _terraform(["init", "-backend=false", "-input=false", "-no-color"], root, config)
    assert refused.returncode != 0
    assert "checksum" in refused.stderr.lower() or "doesn't match" in refused.stderr
