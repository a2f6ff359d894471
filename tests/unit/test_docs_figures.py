"""Every figure in README.md and docs/ equals what `make docs` renders from its source."""

import json
import os

import pytest

from docs import figures, figures_drills, figures_runs, figures_tfvars


def test_every_figure_in_the_readme_and_docs_matches_its_source():
    """GIVEN the committed results files and code, WHEN every marked region is
    rendered again in memory, THEN no file changes (else: run `make docs`)."""
    assert figures.drifted() == []


def test_a_hand_edited_figure_is_put_back_from_its_source():
    text = (figures.ROOT / "docs" / "review.md").read_text()
    rendered = figures.RENDERERS["review-summary"]()
    assert rendered in text
    edited = text.replace(rendered, rendered.replace("0 failed", "0 failed, 2 allowed"))

    assert edited != text
    assert figures.render_text(edited) == text


def test_a_changed_source_is_drift(monkeypatch):
    """GIVEN one more suppression than the docs list, THEN the docs are stale."""
    real = figures._suppressions()
    monkeypatch.setattr(figures, "_suppressions", lambda: [*real, real[0]])
    assert "docs/infra-verification.md" in figures.drifted()


def test_a_region_without_a_renderer_is_refused():
    with pytest.raises(figures.FigureError, match="figures:no-such-figure"):
        figures.render_text("<!-- figures:no-such-figure -->7<!-- /figures -->", where="x.md")


def test_every_region_named_in_the_docs_has_a_renderer_and_every_renderer_is_used():
    used = set()
    for rel in figures.RENDERED:
        used |= {m.group(2) for m in figures.REGION.finditer((figures.ROOT / rel).read_text())}
    assert used <= set(figures.RENDERERS)
    assert set(figures.RENDERERS) - used == set()


def test_every_benchmark_target_is_in_the_readme_met_or_missed():
    from bench import report

    rows, _, _, _ = report.collect()
    readme = (figures.ROOT / "README.md").read_text()
    targeted = [r for r in rows if r[4] not in ("", "reported")]
    assert targeted
    for metric, _ours, _baseline, ratio, target, verdict in targeted:
        assert f"| {metric} | {ratio or _ours} | {target} | {verdict} |" in readme


# --- the drills and the local stack (figures_drills, figures_runs) ------------------------


def test_a_hand_edited_drill_figure_is_drift():
    """GIVEN reliability.md with one figure of the db outage drill changed by hand,
    THEN rendering puts the measured figure back."""
    text = (figures.ROOT / "docs" / "reliability.md").read_text()
    rendered = figures.RENDERERS["drill-db-outage"]()
    assert "| requests |" in rendered and rendered in text
    row = next(line for line in rendered.splitlines() if line.startswith("| requests |"))
    edited = text.replace(row, row.replace("| requests | ", "| requests | 1"))

    assert edited != text
    assert figures.render_text(edited) == text


def _changed_copy(tmp_path, source, change):
    data = json.loads(source.read_text())
    change(data)
    copy = tmp_path / source.name
    copy.write_text(json.dumps(data))
    return copy


def test_a_new_drill_run_is_drift_until_rendered(tmp_path, monkeypatch):
    """GIVEN drills.json where the rotation drill made one more request, THEN
    reliability.md is stale."""

    def more(data):
        data["password_rotation"]["requests"] += 1

    monkeypatch.setattr(
        figures_drills, "DRILLS", _changed_copy(tmp_path, figures_drills.DRILLS, more)
    )
    assert "docs/reliability.md" in figures.drifted()


def test_a_drill_measured_after_the_tiers_run_says_when_even_on_the_same_day():
    """GIVEN the tier's run ended at 03:47 after 249 s, THEN a drill of 03:44 is part
    of it and one of 06:33 that day (run on its own, under another load) is not."""
    tier = {"measured": "2026-12-05 03:47 UTC", "seconds": 249.0}
    assert figures_drills._in_tier_run("2026-12-05 03:44 UTC", tier)
    assert figures_drills._in_tier_run("2026-12-05 03:47 UTC", tier)
    assert not figures_drills._in_tier_run("2026-12-05 06:33 UTC", tier)
    assert not figures_drills._in_tier_run("2026-12-05 03:30 UTC", tier)


def test_new_start_up_timings_are_drift_until_rendered(tmp_path, monkeypatch):
    def slower(data):
        data["median"]["restart_s"] += 1

    monkeypatch.setattr(figures_runs, "LOCAL", _changed_copy(tmp_path, figures_runs.LOCAL, slower))
    assert "docs/local.md" in figures.drifted()


def test_without_results_the_docs_say_which_command_measures(tmp_path, monkeypatch):
    monkeypatch.setattr(figures_drills, "DRILLS", tmp_path / "drills.json")
    monkeypatch.setattr(figures_runs, "LOCAL", tmp_path / "local.json")
    assert "`make drills`" in figures.RENDERERS["drill-db-outage"]()
    assert "`make dev-timings`" in figures.RENDERERS["local-measured"]()


def test_make_docs_takes_a_newer_drill_run_and_keeps_an_older_one(tmp_path, monkeypatch):
    run, kept = tmp_path / "figures.json", tmp_path / "results" / "drills.json"
    monkeypatch.setattr(figures_drills, "DRILLS_RUN", run)
    monkeypatch.setattr(figures_drills, "DRILLS", kept)
    monkeypatch.setattr(figures_drills, "RESULTS", kept.parent)
    assert figures_drills.take_drills() is False  # no run yet

    run.write_text('{"lock_wait": {"answers": []}}\n')
    assert figures_drills.take_drills() is True
    assert kept.read_text() == run.read_text()

    kept.write_text("{}\n")  # newer than the run now
    os.utime(run, (1, 1))
    assert figures_drills.take_drills() is False
    assert kept.read_text() == "{}\n"


def test_the_seeding_figures_follow_the_catalogue_and_the_usage_plan():
    catalogue = json.loads((figures.ROOT / "local" / "catalogue.json").read_text())
    assert figures.RENDERERS["local-catalogue"]().startswith(f"{len(catalogue)} products in ")
    from local import tfvars

    plan = tfvars.load(figures.ROOT / "envs" / "dev.tfvars")["api"]["admin_usage_plan"]
    assert (
        f"allows {plan['rate_limit']:g} requests per second" in figures.RENDERERS["local-seeding"]()
    )


def test_tier_timings_from_separate_sessions_are_merged(tmp_path, monkeypatch):
    """GIVEN the infra tier timed in one session and the review tier in a later one,
    THEN docs/results/tiers.json keeps both, each with its own date."""
    run, kept = tmp_path / "timings.json", tmp_path / "results" / "tiers.json"
    monkeypatch.setattr(figures_runs, "TIERS_RUN", run)
    monkeypatch.setattr(figures_runs, "TIERS", kept)
    monkeypatch.setattr(figures_runs, "RESULTS", kept.parent)
    infra = {"seconds": 61.0, "passed": 90, "measured": "day 1", "machine": {}}
    run.write_text(json.dumps({"tiers": {"infra": infra}}))
    assert figures_runs.take_tiers() is True

    review = {"seconds": 35.0, "passed": 40, "measured": "day 2", "machine": {}}
    run.write_text(json.dumps({"tiers": {"review": review}}))
    os.utime(run, (kept.stat().st_mtime + 1,) * 2)
    assert figures_runs.take_tiers() is True
    assert json.loads(kept.read_text())["tiers"] == {"infra": infra, "review": review}


def test_a_newly_timed_tier_is_drift_until_rendered(tmp_path, monkeypatch):
    """GIVEN a review tier timed at a figure the docs do not show, THEN review.md is stale."""
    timed = {"seconds": 12345.0, "passed": 1, "measured": "now", "machine": {"cores": 2}}
    timed["machine"]["load_average_1m"] = 1.0
    tiers = tmp_path / "tiers.json"
    tiers.write_text(json.dumps({"tiers": {"review": timed}}))
    monkeypatch.setattr(figures_runs, "TIERS", tiers)
    assert "12 345 s" in figures.RENDERERS["tier-review"]()
    assert "docs/review.md" in figures.drifted()


JUNIT = """<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest"
 errors="{errors}" failures="0" skipped="{skipped}" tests="{tests}" time="{time}"
 timestamp="{start}"></testsuite></testsuites>"""


def test_make_tests_time_spans_its_side_by_side_sessions(tmp_path):
    """GIVEN the main tiers (10:00:00 for 600 s) and the rehearsal (10:00:05 for 700 s)
    THEN make test took from the first start to the last end, 705 s, with both counts."""
    from tests.support import timings

    main, rehearsal = tmp_path / "main.xml", tmp_path / "rehearsal.xml"
    main.write_text(
        JUNIT.format(errors=0, skipped=2, tests=100, time=600.0, start="2026-12-05T10:00:00+00:00")
    )
    rehearsal.write_text(
        JUNIT.format(errors=0, skipped=0, tests=14, time=700.0, start="2026-12-05T10:00:05+00:00")
    )
    run = timings.make_test_run([main, rehearsal])
    assert run == {
        "seconds": 705.0,
        "passed": True,
        "tests": 114,
        "failures": 0,
        "errors": 0,
        "skipped": 2,
    }
    rehearsal.write_text(
        JUNIT.format(errors=1, skipped=0, tests=14, time=700.0, start="2026-12-05T10:00:05+00:00")
    )
    assert timings.make_test_run([main, rehearsal])["passed"] is False


def test_a_recorded_make_test_is_drift_until_rendered(tmp_path, monkeypatch):
    """GIVEN a make test run the docs do not show, THEN infra-verification.md is stale."""
    run = {
        "seconds": 754.0,
        "passed": True,
        "tests": 1151,
        "failures": 0,
        "errors": 0,
        "skipped": 3,
        "measured": "2026-12-05 08:00 UTC",
        "machine": {"cores": 2, "load_average_1m": 2.5},
    }
    tiers = tmp_path / "tiers.json"
    tiers.write_text(json.dumps({"make_test": run}))
    monkeypatch.setattr(figures_runs, "TIERS", tiers)
    assert figures.RENDERERS["make-test-run"]().startswith("passed in 12.6 min: 1151 tests")
    assert "docs/infra-verification.md" in figures.drifted()


def test_rehearsals_that_overlapped_in_time_are_named_beside_each_other(tmp_path, monkeypatch):
    """GIVEN qa (2 cycles) and prod rehearsed at the same time and dev an hour later,
    THEN the table names qa and prod beside each other, dev beside nothing, and qa's cycles."""
    results = tmp_path / "results"
    runs = tmp_path / "runs"
    monkeypatch.setattr(figures, "RESULTS", results)
    monkeypatch.setattr(figures, "REHEARSAL_RUNS", runs)
    reports = {
        "qa": (
            {
                "plan": 10,
                "apply": 20,
                "destroy_plan": 5,
                "destroy": 6,
                "plan_2": 11,
                "apply_2": 21,
                "destroy_plan_2": 7,
                "destroy_2": 8,
                "total": 100,
            },
            2,
            0,
        ),
        "prod": (
            {"plan": 12, "apply": 22, "destroy_plan": 9, "destroy_again": 30, "total": 60},
            1,
            0,
        ),
        "dev": (
            {
                "plan": 1,
                "apply": 2,
                "destroy_plan": 3,
                "destroy": 4,
                "unchanged_plan": 5,
                "total": 50,
            },
            1,
            3600,
        ),
    }
    for stage, (seconds, cycles, later) in reports.items():
        path = runs / stage / "report.json"
        path.parent.mkdir(parents=True)
        report = {
            "stage": stage,
            "cycles": cycles,
            "resources": 100,
            "facts": 90,
            "checks": [{}] * 3,
            "seconds": seconds,
        }
        path.write_text(json.dumps(report))
        os.utime(path, (1_700_000_000 + later,) * 2)
    assert figures.take_rehearsals() == ["dev", "qa", "prod"]
    assert figures.take_rehearsals() == []  # nothing newer the second time
    rows = {
        row.split(" |")[0].strip("| "): row
        for row in figures.RENDERERS["rehearsal-runs"]().splitlines()[3:]
    }
    assert rows["qa"].endswith("| prod |")
    assert "| 10 + 20, then 11 + 21 | 5 + 6, then 7 + 8 | 100 |" in rows["qa"]
    assert rows["prod"].endswith("| qa |")
    assert "| 9 + refused, lifted, again 30 | 60 |" in rows["prod"]
    assert rows["dev (with the re-runs)"].endswith("| nothing recorded |")


# --- the per-stage values of docs/terraform.md (figures_tfvars) ------------------------------


def test_a_changed_tfvars_value_is_drift_until_rendered(tmp_path, monkeypatch):
    """GIVEN prod's tfvars with another max_connections, THEN terraform.md is stale."""
    for stage in figures_tfvars.STAGES:
        text = (figures.ROOT / "envs" / f"{stage}.tfvars").read_text()
        if stage == "prod":
            assert "max_connections          = 200" in text
            text = text.replace("max_connections          = 200", "max_connections          = 180")
        (tmp_path / f"{stage}.tfvars").write_text(text)
    monkeypatch.setattr(figures_tfvars, "ENVS", tmp_path)

    row = next(
        line
        for line in figures.RENDERERS["stage-knobs"]().splitlines()
        if line.startswith("| `database.max_connections` |")
    )
    assert row.endswith("| 60 | 90 | 180 |")
    assert "docs/terraform.md" in figures.drifted()


def test_a_knob_a_stage_leaves_out_shows_the_default_of_variables_tf():
    defaults = figures_tfvars.tf_defaults()
    assert defaults["api.metrics_enabled"] is True
    assert defaults["functions.architecture"] == "x86_64"
    assert defaults["database.backup_window"] == "02:00-03:00"
    assert defaults["project"] == "shop"


def test_a_fact_the_code_no_longer_holds_is_an_error_not_a_stale_figure():
    """A constant renamed, or a default read two ways, fails `make docs` instead of
    leaving the old figure in place."""
    notify = figures.ROOT / "functions" / "shop" / "notify.py"
    assert figures_runs.constant(notify, "MAX_ATTEMPTS") >= 1
    with pytest.raises(LookupError, match="NO_SUCH_CONSTANT"):
        figures_runs.constant(notify, "NO_SUCH_CONSTANT")
    with pytest.raises(LookupError, match="SHOP_NO_SUCH_SETTING"):
        figures_runs.env_default("SHOP_NO_SUCH_SETTING")
    with pytest.raises(LookupError, match="NO_SUCH_LIMIT"):
        figures_runs.js_constant(figures.ROOT / "web" / "assets" / "cart.js", "NO_SUCH_LIMIT")


def test_the_app_config_example_is_qas_tfvars_with_the_optional_defaults():
    from local import tfvars

    qa = tfvars.load(figures.ROOT / "envs" / "qa.tfvars")["app_config"]
    config = figures_tfvars.ssm_config("qa")
    assert {k: config[k] for k in qa} == qa  # what the stage sets wins
    assert config["page_size_max"] == figures_tfvars.tf_defaults()["app_config.page_size_max"]
