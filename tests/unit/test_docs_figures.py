"""Every figure in README.md and docs/ equals what `make docs` renders from its source."""

import pytest

from docs import figures


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
