"""The stage's tfvars are read without Terraform (literal HCL), completed with
Terraform's optional() defaults, and a missing file falls back to embedded
defaults; the storefront server serves web/ as CloudFront would."""

import json
import re

import pytest
from localkit import ROOT, TFVARS, http_request

from local import stage, tfvars, web


def test_literal_hcl_is_parsed_with_comments_heredocs_and_nesting():
    text = """
    # a comment
    stage = "dev" // another
    /* a block
       comment */
    api = {
      cache    = { enabled = false, ttl_seconds = 0 }
      "quoted" : [1, 2.5, -3,
                  true, null]
    }
    note = <<-EOT
      line one
        line two
      EOT
    escaped = "tab\\there \\"quoted\\" \\u00e9"
    template = "${not.evaluated}"
    """
    assert tfvars.parse(text) == {
        "stage": "dev",
        "api": {"cache": {"enabled": False, "ttl_seconds": 0}, "quoted": [1, 2.5, -3, True, None]},
        "note": "line one\n  line two\n",
        "escaped": 'tab\there "quoted" é',
        "template": "${not.evaluated}",
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('a = "open', "unterminated string"),
        ("a = var.b", "literals only"),
        ("a = { b = 1 c = 2 }", "after a value"),
    ],
)
def test_what_is_not_a_literal_tfvars_file_is_refused_with_its_line(text, message):
    with pytest.raises(tfvars.TfvarsError, match=message):
        tfvars.parse("\n" + text, "x.tfvars")


def test_the_stage_values_come_from_the_tfvars_with_terraforms_defaults():
    values = stage.load(TFVARS)
    assert values.region == "eu-west-1"
    assert values.cors.allowed_origins == ("https://dev.shop.example.com", "http://127.0.0.1:8080")
    assert values.throttle == (20.0, 40) and values.key_throttle == (5.0, 10)
    assert values.functions["api"]["timeout_s"] == 15
    assert values.config_ttl_seconds == 30
    config = values.app_config
    assert config["page_size_default"] == 20 and config["max_body_bytes"] == 65536
    assert config["warmer"] == {"concurrency": 3, "hold_ms": 1000, "prime": True}


def test_a_missing_tfvars_falls_back_to_embedded_defaults(tmp_path):
    values = stage.load(tmp_path / "absent.tfvars")
    assert values.source == "embedded defaults"
    assert "http://127.0.0.1:8080" in values.app_config["cors_allowed_origins"]
    assert values.app_config["features"] == {"order_emails": True, "order_events": True}


def test_another_stages_tfvars_is_refused(tmp_path):
    path = tmp_path / "qa.tfvars"
    path.write_text('stage = "qa"\n')
    with pytest.raises(ValueError, match="is for stage 'qa'"):
        stage.load(path)


def test_the_repositorys_dev_tfvars_is_readable():
    values = stage.load(ROOT / "envs" / "dev.tfvars")
    assert values.name == "dev"
    # The storefront's local origin must be allowed, first: gateway errors carry it.
    assert values.app_config["cors_allowed_origins"][0] == "http://127.0.0.1:8080"
    assert values.cache_ttl == 0  # dev has no cache cluster in AWS, so none locally


def test_the_gateway_cache_follows_the_stages_cache_cluster():
    for name in ("qa", "prod"):
        text = (ROOT / "envs" / f"{name}.tfvars").read_text()
        expected = float(re.search(r"cache\s*=\s*{[^}]*ttl_seconds\s*=\s*(\d+)", text).group(1))
        assert stage.load(ROOT / "envs" / f"{name}.tfvars", stage=name).cache_ttl == expected


@pytest.fixture
def site(tmp_path):
    (tmp_path / "index.html").write_text("<h1>shop</h1>")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.html").write_text("<h1>docs</h1>")
    (tmp_path / "app.js").write_text("export {};")
    return web.Site(
        tmp_path,
        api_url="http://127.0.0.1:3000",
        stage="dev",
        contract_path=ROOT / "api" / "openapi.yaml",
    )


def test_the_site_serves_web_with_cloudfronts_rules(site):
    root = site(http_request("GET", "/"))
    assert (root.status, root.body) == (200, b"<h1>shop</h1>")
    assert site(http_request("GET", "/app.js")).header("content-type").startswith("text/javascript")
    assert site(http_request("GET", "/docs/index.html")).status == 200
    # Only the root has a default object; a missing key is S3's 403.
    assert site(http_request("GET", "/docs/")).status == 403
    assert site(http_request("GET", "/nothing.html")).status == 403
    assert site(http_request("GET", "/../../etc/passwd")).status == 403
    assert site(http_request("POST", "/")).status == 405
    csp = root.header("content-security-policy")
    assert "connect-src 'self' http://127.0.0.1:3000;" in csp
    assert root.header("x-frame-options") == "DENY"


def test_the_site_generates_config_json_and_openapi_json(site):
    config = json.loads(site(http_request("GET", "/config.json")).body)
    assert config == {"apiBaseUrl": "http://127.0.0.1:3000", "stage": "dev"}
    document = json.loads(site(http_request("GET", "/openapi.json")).body)
    assert document["openapi"].startswith("3.")
    assert "/v1/products/{id}" in document["paths"]
    assert "x-shop-integrations" not in document
    assert document["servers"][0]["url"] == "http://127.0.0.1:3000"
