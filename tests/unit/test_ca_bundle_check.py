"""make deploy's preflight: the CA bundle the stage's connection mode needs is in the package."""

import pytest

from deploy.release import DeployError, check_ca_bundle

DIRECT = """database = {
  enable_proxy = false
  client = {
    ca_bundle         = "/var/task/shop/certs/rds-global-bundle.pem"
    connect_timeout_s = 3
  }
}
"""
PROXY = DIRECT.replace("enable_proxy = false", "enable_proxy = true")


def _package(root, *names):
    for name in names:
        path = root / "functions" / "shop" / "certs" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("-----BEGIN CERTIFICATE-----\n")


def test_direct_stage_needs_the_rds_bundle(tmp_path):
    _package(tmp_path, "amazon-root-cas.pem")
    with pytest.raises(DeployError, match="rds-global-bundle.pem is not in the package"):
        check_ca_bundle(DIRECT, root=tmp_path)
    _package(tmp_path, "rds-global-bundle.pem")
    check_ca_bundle(DIRECT, root=tmp_path)


def test_proxy_stage_needs_the_amazon_roots_not_the_rds_bundle(tmp_path):
    _package(tmp_path, "rds-global-bundle.pem")
    with pytest.raises(DeployError, match="amazon-root-cas.pem is not in the package") as refused:
        check_ca_bundle(PROXY, root=tmp_path)
    assert "make rds-ca" in refused.value.hint
    _package(tmp_path, "amazon-root-cas.pem")
    check_ca_bundle(PROXY, root=tmp_path)
    named = PROXY.replace(
        "    connect", '    proxy_ca_bundle   = "/var/task/shop/certs/x.pem"\n    connect'
    )
    with pytest.raises(DeployError, match="x.pem is not in the package"):
        check_ca_bundle(named, root=tmp_path)
