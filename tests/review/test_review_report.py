"""The review as people read it: stateful changes first, allow entries, the CLI."""

from __future__ import annotations

import json

import pytest
from plan_edits import change

import review
from review.__main__ import main

DATABASE = "module.database.aws_db_instance.this"


def _replace(plan, address, *paths):
    body = change(plan, address)["change"]
    body["actions"] = ["delete", "create"]
    body["replace_paths"] = [list(p) for p in paths]


def test_stateful_replacements_are_called_out_before_anything_else(first_plan):
    plan = first_plan("prod")
    _replace(plan, DATABASE, ["engine_version"])
    _replace(plan, "module.api_function.aws_cloudwatch_log_group.this", ["name"])
    report = review.run(plan, "prod")
    text = report.markdown
    callout = text.index("### Stateful resources destroyed or replaced")
    assert callout < text.index("### Changes") < text.index("### Checks")
    section = text[callout : text.index("### Changes")]
    assert f"| 🛑 **replace** | `{DATABASE}` | database | forced by engine_version |" in section
    assert "module.api_function.aws_cloudwatch_log_group.this` | log group" in section
    assert "2 to replace" in text
    created = sum(
        1
        for c in plan["resource_changes"]
        if c["address"].startswith("module.database.") and c["change"]["actions"] == ["create"]
    )
    assert f"| `module.database` | {created} | 0 | 1 | 0 |" in text


def test_counts_per_module_and_in_total(first_plan):
    plan = first_plan("qa")
    created = [
        c["address"] for c in plan["resource_changes"] if c["change"]["actions"] == ["create"]
    ]
    network = sum(1 for address in created if address.startswith("module.network."))
    report = review.run(plan, "qa")
    assert report.changes.totals == {"create": len(created)}
    assert f"{len(created)} to create, 0 to update, 0 to replace, 0 to destroy" in report.markdown
    assert f"| `module.network` | {network} | 0 | 0 | 0 |" in report.markdown
    assert network > 0
    assert "None: no database, bucket or log group is destroyed or replaced." in report.markdown


def test_allowed_findings_show_their_reason(first_plan, tmp_path):
    allow = tmp_path / "allow.yaml"
    allow.write_text(
        "allow:\n"
        "  - check: db-not-public\n"
        f"    address: {DATABASE}\n"
        "    stages: [qa]\n"
        "    reason: a bastion-less load test reaches it from the office for one week\n"
    )
    plan = first_plan("qa")
    change(plan, DATABASE)["change"]["after"]["publicly_accessible"] = True
    report = review.run(plan, "qa", allow_files=[review.DEFAULT_ALLOW_FILE, allow])
    assert report.ok
    assert report.summary == "review: 19 checks, 0 failed, 1 allowed, 2 not applicable to qa"
    assert "a bastion-less load test reaches it from the office for one week" in report.markdown
    assert f"`db-not-public` at `{DATABASE}`: publicly_accessible = true" in report.markdown


def test_an_allow_entry_that_matches_nothing_fails_the_review(first_plan, tmp_path):
    allow = tmp_path / "allow.yaml"
    allow.write_text(
        "allow:\n  - check: db-encrypted\n"
        f"    address: {DATABASE}\n    reason: left over from an old exception\n"
    )
    report = review.run(first_plan("dev"), "dev", allow_files=[review.DEFAULT_ALLOW_FILE, allow])
    assert not report.ok
    assert not report.failed
    assert report.summary.endswith("1 stale allow entry")
    assert f"`db-encrypted:{DATABASE}`" in report.markdown
    assert "matches no finding of dev: remove it" in report.markdown


def test_allow_entries_of_other_stages_are_not_stale(first_plan, tmp_path):
    allow = tmp_path / "allow.yaml"
    allow.write_text(
        "allow:\n  - check: db-encrypted\n"
        f"    address: {DATABASE}\n    stages: [prod]\n    reason: only about prod's database\n"
    )
    assert review.run(first_plan("dev"), "dev", allow_files=[review.DEFAULT_ALLOW_FILE, allow]).ok


@pytest.mark.parametrize(
    ("entry", "error"),
    [
        ("check: db-encrypted\n    address: x.y", "a reason is required"),
        ("check: no-such-check\n    address: x.y\n    reason: whatever it is", "unknown check"),
        ("check: db-encrypted\n    reason: no address given", "an address is required"),
        (
            "check: db-encrypted\n    address: x.y\n    stages: [staging]\n    reason: some words",
            "stages must be",
        ),
    ],
)
def test_malformed_allow_entries_are_errors_not_skips(entry, error, first_plan, tmp_path):
    allow = tmp_path / "allow.yaml"
    allow.write_text(f"allow:\n  - {entry}\n")
    with pytest.raises(review.ReviewError, match=error):
        review.run(first_plan("dev"), "dev", allow_files=[allow])


def test_a_plan_of_another_stage_is_refused(first_plan):
    with pytest.raises(review.ReviewError, match="is a plan of stage qa, not prod"):
        review.run(first_plan("qa"), "prod")


def test_cli_prints_markdown_writes_it_and_exits_by_outcome(first_plan, tmp_path, capsys):
    good = tmp_path / "qa.json"
    good.write_text(json.dumps(first_plan("qa")))
    out_file = tmp_path / "review" / "qa.md"
    assert main([str(good), "--stage", "qa", "--markdown", str(out_file)]) == 0
    printed = capsys.readouterr().out
    assert printed.rstrip().splitlines()[-1] == (
        "review: 19 checks, 0 failed, 0 allowed, 2 not applicable to qa"
    )
    assert out_file.read_text() == printed.rstrip("\n")

    bad_plan = first_plan("qa")
    change(bad_plan, DATABASE)["change"]["after"]["storage_encrypted"] = False
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(bad_plan))
    assert main([str(bad), "--stage", "qa"]) == 1
    assert "❌ `db-encrypted` at `module.database.aws_db_instance.this`" in capsys.readouterr().out

    reason = "encryption is added by the storage migration of next week"
    assert main([str(bad), "--stage", "qa", "--allow", f"db-encrypted:{DATABASE}", reason]) == 0
    assert f"allowed (command line): {reason}" in capsys.readouterr().out

    assert main([str(good), "--stage", "prod"]) == 2
    assert "not prod" in capsys.readouterr().err
    assert main([str(tmp_path / "missing.json"), "--stage", "qa"]) == 2
