"""checkov and trivy on every stage's plan: zero unexplained findings, every suppression explained.

The full scan (`python -m scan.run`, what `make scan` runs) plans dev, qa
and prod offline and takes about 45 s; it runs once per session. The gate
itself is also exercised on a tiny configuration of our own, so a scanner
that silently scans nothing, or a judge that lets findings through, fails
here rather than passing quietly.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from scan import run, suppressions, tools

ROOT = Path(__file__).resolve().parents[2]
# Where the suppression table is documented: the one place the test reads it from.
SUPPRESSIONS_DOC = run.SUPPRESSIONS_DOC

pytestmark = pytest.mark.infra


@pytest.fixture(scope="module")
def report():
    if missing := tools.missing_tools():
        pytest.fail(f"{', '.join(missing)} missing: run `make scan-tools` (make test does)")
    result = subprocess.run(
        [sys.executable, "-m", "scan.run"], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert result.returncode in (0, 1), result.stdout[-3000:] + result.stderr[-3000:]
    return result, json.loads((ROOT / "build" / "scan" / "report.json").read_text())


def test_no_finding_on_any_stage_is_left_unexplained(report):
    result, data = report
    assert data["unexplained"] == [], "\n".join(f["text"] for f in data["unexplained"])
    assert result.returncode == 0
    assert "scan: OK" in result.stdout


def test_every_suppression_has_a_reason_and_still_suppresses_something(report):
    _, data = report
    assert data["suppressions"], "no inline suppressions found: the parser is broken"
    for item in data["suppressions"]:
        where = f"{item['tool']} {item['check_id']} at {item['file']}:{item['line']}"
        assert item["explained"], f"{where} has no reason"
        assert item["used"], f"{where} suppresses nothing any more: remove it"


def test_each_tool_really_scanned_every_stage(report):
    """GIVEN about 110 resources per stage, THEN checkov saw them in the plans and
    the sources, and trivy ran its checks on every stage's plan (its JSON-plan
    scanner, which skips child modules, would report almost nothing)."""
    _, data = report
    counted = data["counted"]
    assert counted["checkov plans"] >= 3 * 100
    for stage in ("dev", "qa", "prod"):
        assert counted[f"checkov source {stage}"] >= 100
        assert counted[f"trivy plan {stage}"] >= 50
    assert data["suppressed"] >= len(data["suppressions"])


def documented_table(doc: Path) -> list[str]:
    """Return the rows of the suppression table in `doc` (the lines after its header)."""
    lines = doc.read_text().splitlines()
    header = run.markdown_table([]).splitlines()[0]
    assert lines.count(header) == 1, f"{doc.name} needs exactly one table headed {header!r}"
    rows = []
    for line in lines[lines.index(header) + 2 :]:
        if not line.startswith("|"):
            break
        rows.append(line)
    return rows


def test_the_documented_table_and_the_code_list_the_same_suppressions():
    """The table in SUPPRESSIONS_DOC is the code's list, row for row, in both directions:
    a suppression missing from it and a row no suppression backs any more both fail."""
    code = run.markdown_table(suppressions.find(run.TF_DIR, exclude=run.NOT_SCANNED))
    expected = code.splitlines()[2:]
    documented = documented_table(SUPPRESSIONS_DOC)
    missing = [row for row in expected if row not in documented]
    stale = [row for row in documented if row not in expected]
    assert not missing and not stale, (
        f"update the Scanner suppressions table in {SUPPRESSIONS_DOC.relative_to(ROOT)} "
        "(python -m scan.run --list-suppressions prints it):\n"
        + "".join(f"missing: {row}\n" for row in missing)
        + "".join(f"stale:   {row}\n" for row in stale)
    )
    assert len(documented) == len(expected), "a row is listed twice"


UNENCRYPTED_TOPICS = """\
resource "aws_sns_topic" "plain" {
  name = "plain"
}

#trivy:ignore:AVD-AWS-0095
resource "aws_sns_topic" "excused" {
  #checkov:skip=CKV_AWS_26:
  name = "excused"
}

resource "aws_sns_topic" "encrypted" {
  #checkov:skip=CKV_AWS_26: This topic is encrypted, so the skip suppresses nothing.
  name              = "encrypted"
  kms_master_key_id = "alias/aws/sns"
}
"""


def test_the_gate_fails_on_a_finding_a_bare_skip_or_a_stale_one(tmp_path):
    """GIVEN an unencrypted topic with no suppression, one suppressed without a
    reason, and a skip on a topic that has nothing to skip, WHEN both tools scan
    it, THEN the first is unexplained, the second lacks a reason, the third is unused."""
    if tools.missing_tools():
        pytest.fail("run `make scan-tools`")
    cache = ROOT / "build" / "scan" / "trivy-cache"
    source, unignored = tmp_path / "source", tmp_path / "unignored"
    source.mkdir(), unignored.mkdir()
    (source / "main.tf").write_text(UNENCRYPTED_TOPICS)
    (unignored / "main.tf").write_text(suppressions.strip(UNENCRYPTED_TOPICS))
    found, scanned = tools.checkov(
        ["--framework", "terraform", "--directory", source],
        stage_of=lambda _r: "fixture",
        target="source",
    )
    trivy_found, _ = tools.trivy(source, stage="fixture", kind="plan", cache=cache)
    raw, _ = tools.checkov(
        ["--framework", "terraform", "--directory", unignored],
        stage_of=lambda _r: "fixture",
        target="source",
    )
    raw += tools.trivy(unignored, stage="fixture", kind="source", cache=cache)[0]
    report = run.judge(found + trivy_found, raw, suppressions.find(source), {})

    assert scanned == 3
    assert report["ok"] is False
    unexplained = {(f["tool"], f["check_id"], f["line"]) for f in report["unexplained"]}
    assert ("checkov", "CKV_AWS_26", 1) in unexplained
    assert ("trivy", "AWS-0095", 1) in unexplained
    assert not [f for f in report["unexplained"] if f["line"] in range(5, 10)]
    by_resource = {(s["tool"], s["resource"]): s for s in report["suppressions"]}
    for tool in ("checkov", "trivy"):
        assert by_resource[(tool, "aws_sns_topic.excused")]["explained"] is False
        assert by_resource[(tool, "aws_sns_topic.excused")]["used"] is True
    assert by_resource[("checkov", "aws_sns_topic.encrypted")]["used"] is False


def test_suppressions_belong_to_the_block_they_annotate(tmp_path):
    (tmp_path / "main.tf").write_text(UNENCRYPTED_TOPICS)
    found = {(s.tool, s.block.name, s.check_id) for s in suppressions.find(tmp_path)}
    assert found == {
        ("trivy", "aws_sns_topic.excused", "AVD-AWS-0095"),
        ("checkov", "aws_sns_topic.excused", "CKV_AWS_26"),
        ("checkov", "aws_sns_topic.encrypted", "CKV_AWS_26"),
    }
    (tmp_path / "main.tf").write_text("#checkov:skip=CKV_AWS_26: floating, in no block at all\n")
    with pytest.raises(ValueError, match="outside any block"):
        suppressions.find(tmp_path)
