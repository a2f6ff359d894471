"""`python -m deploy bootstrap` refuses before Terraform runs when the account is wrong.

Against a moto server (the credentials' account is moto's 123456789012):
nothing is planned or applied when the tfvars name another account.
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(tfvars: Path, endpoint: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ENDPOINT_URL=endpoint,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="eu-west-1",
    )
    return subprocess.run(
        [sys.executable, "-m", "deploy", "bootstrap", "--var-file", str(tfvars)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def tfvars(tmp_path: Path, account: str, bucket: str) -> Path:
    path = tmp_path / "account.tfvars"
    path.write_text(
        f'account_id = "{account}"\nregion = "eu-west-1"\nstate_bucket = "{bucket}"\n'
        'github = { repository = "example-org/shop" }\n'
    )
    return path


def test_credentials_of_another_account_change_nothing(moto_server, tmp_path):
    result = run(tfvars(tmp_path, "999999999999", "shop-state-999999999999"), moto_server)
    assert result.returncode == 1
    assert "the credentials are for account 123456789012" in result.stderr
    assert "is for 999999999999; nothing was changed" in result.stderr
    assert "terraform init" not in result.stdout
