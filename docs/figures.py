"""Every figure in README.md and docs/, rendered from the file or code it comes from.

`make docs` rewrites the marked regions of the markdown:

    <!-- figures:NAME -->...<!-- /figures -->

(block or inline) with what RENDERERS[NAME] returns, and docs/benchmarks.md's
`bench:` region with bench/report.py's table. The sources are committed
results files written by the commands that measure (bench/results/*.json
from `make bench`, docs/results/*.json from `make rehearse`, `make mutate`,
`make drills`, `make dev-timings` and `make strip-figures`) and the code
itself (review checks, the allow file, scanner suppressions, constants).
`tests/unit/test_docs_figures.py` renders everything in memory and fails
when a file differs, so a hand edit of a figure, or a new result not
rendered, cannot go unnoticed.

Before rendering, `make docs` copies the summary of each stage's last local
rehearsal (build/tf-rehearsal/<stage>/report.json, from `make rehearse` or
the rehearsal tier of `make test`) into docs/results/rehearsal-<stage>.json,
the last drills' figures (build/drills/figures.json) into
docs/results/drills.json and the test tiers' timings (build/tiers/timings.json)
into docs/results/tiers.json, when that run is newer; nothing is measured here.
"""

import json
import re
import sys
from datetime import UTC, datetime, timedelta

# One registry for every renderer: this module's and those of the modules it
# imports at the end (drills, runs, tfvars).
from docs.figures_runs import RENDERERS, RESULTS, ROOT, read_json, renders, run_is_newer

REHEARSALS = ("dev", "qa", "prod", "bootstrap")
REHEARSAL_RUNS = ROOT / "build" / "tf-rehearsal"
REGION = re.compile(r"(<!-- figures:([a-z0-9-]+) -->)(.*?)(<!-- /figures -->)", re.S)
RENDERED = ("README.md", *(f"docs/{p.name}" for p in sorted((ROOT / "docs").glob("*.md"))))


def load(name: str) -> dict:
    """A committed results file under docs/results/; a clear error when missing."""
    path = RESULTS / f"{name}.json"
    if not path.is_file():
        raise FigureError(f"{path.relative_to(ROOT)} is missing: run the command that writes it")
    return json.loads(path.read_text())


class FigureError(Exception):
    """A region names no renderer, or a renderer's source is missing."""


# --- benchmarks (bench/results/*.json through bench/report.py) ---------------


def _bench():
    from bench import report

    return report


@renders("bench-when")
def bench_when() -> str:
    _, _, dates, info = _bench().collect()
    if not info:
        return "Not measured yet (`make bench`)"
    day = sorted(d.split()[0] for d in dates)
    span = day[0] if day[0] == day[-1] else f"{day[0]} to {day[-1]}"
    return (
        f"Measured by `make bench` on a {info['cores']}-core {info['cpu']} "
        f"({info['os']}, Python {info['python']}), {span}"
    )


@renders("bench-targets")
def bench_targets() -> str:
    """Every row of the benchmark table that has a target, met or missed."""
    rows, _, _, _ = _bench().collect()
    lines = ["| benchmark | figure | target | | ours; baseline |", "|---|---|---|---|---|"]
    for metric, ours, baseline, ratio, target, verdict in rows:
        if target in ("", "reported"):
            continue
        figure, detail = (ratio, f"{ours}; {baseline}") if ratio else (ours, "")
        lines.append(f"| {metric} | {figure} | {target} | {verdict} | {detail} |")
    return "\n" + "\n".join(lines) + "\n"


@renders("bench-optimisations")
def bench_optimisations() -> str:
    """What each optimisation bought (hand-recorded, with its provenance)."""
    return "\n" + _optimisations()[0] + "\n"


@renders("bench-left-out")
def bench_left_out() -> str:
    """Ideas measured and left out (hand-recorded, with its provenance)."""
    return "\n" + _optimisations()[1] + "\n"


@renders("bench-tree")
def bench_tree() -> str:
    """This tree against the other builds measured in the last run (`--tree`)."""
    report = _bench()
    loaded = (report.load(m) for m in ("coldstart_keepalive", "warm_routing", "coldstart_db"))
    return "\n" + report.tables.tree_comparison(*loaded) + "\n"


def _optimisations() -> tuple[str, str]:
    report = _bench()
    data = report.load("optimisations")
    if data is None:
        raise FigureError("bench/results/optimisations.json is missing")
    return report.tables.optimisations(data)


@renders("cold-path-steps")
def cold_path_steps() -> str:
    """The first DB-backed request's cold path, step by step (bench/workers/steps.py)."""
    report = _bench()
    data = report.load("coldstart_steps")
    if data is None:
        raise FigureError("bench/results/coldstart_steps.json is missing: run `make bench`")
    cold = report.load("coldstart_db")
    machine = data["machine"]
    lines = [
        f"`make bench`, {machine['date']}, {machine['cores']} cores, medians of "
        f"{data['runs']} fresh interpreters of the built api (wall clock):",
        "",
        "| step | ms |",
        "|---|---|",
        *(f"| {name} | {value:.1f} |" for name, value in data["steps_ms"].items()),
        f"| sum | {sum(data['steps_ms'].values()):.1f} |",
    ]
    if cold:
        ours = cold["variants"]["ours"]
        lines.append(
            f"| the same cold start measured whole: import + first answer (its CPU time) "
            f"| {ours['first_response_ms']['median']:.1f} ({ours['cpu_ms']['median']:.1f} CPU) |"
        )
    return "\n" + "\n".join(lines) + "\n"


def _sizes() -> dict:
    data = _bench().load("artifact_size_build")
    if data is None:
        raise FigureError("bench/results/artifact_size_build.json is missing: run `make bench`")
    return data


@renders("api-size")
def api_size() -> str:
    data = _sizes()
    return f"{_bench().mib(data['api_plus_layers_bytes'])} of the {data['budget_mib']} MiB budget"


@renders("build-measured")
def build_measured() -> str:
    report, data = _bench(), _sizes()
    layers = data["layers_bytes"]
    lines = [
        f"`make bench`, {data['machine']['date']}, {data['machine']['cores']} cores, "
        f"{data['machine']['os']}, Python {data['machine']['python']}:",
        "",
        "| what | figure |",
        "|---|---|",
        f"| `build/api.zip` | {report.mib(data['api_zip_bytes'])} zipped "
        f"({data['api_zip_bytes']:,} bytes) |",
        *(
            f"| `build/{name}.zip` | {report.mib(size)} zipped ({size:,} bytes) |"
            for name, size in sorted(layers.items())
        ),
        f"| api plus its layers, against the {data['budget_mib']} MiB budget "
        f"| {report.mib(data['api_plus_layers_bytes'])} zipped "
        f"({data['share_of_budget']:.0%}), {report.mib(data['unzipped_bytes'])} unzipped |",
        f"| `build.py` in a fresh copy of the tree (no `build/`, wheels cached) "
        f"| {data['build_cold_s']:.2f} s |",
        f"| no-op build, best of {len(data['build_noop_s'])} | {min(data['build_noop_s']):.2f} s |",
    ]
    cold = report.load("artifact_coldstart")
    if cold:
        m = cold["median_ms"]
        lines.append(
            "| cold start of the built api: first `GET /v1/health` (MariaDB over TLS, "
            f"config and secret from moto), median of {cold['runs']} (`make bench-artifact`) "
            f"| {m['with']['first_response_ms']:.1f} ms with bytecode, "
            f"{m['without']['first_response_ms']:.1f} ms without "
            f"({cold['ratio_with_to_without']:.2f}x) |"
        )
    return "\n" + "\n".join(lines) + "\n"


# --- the plan review (review/ and envs/review-allow.yaml) --------------------


def _review_counts() -> tuple[int, list]:
    import review
    from review import allow
    from review.model import REGISTRY

    assert review  # importing the package registers every check
    return len(REGISTRY), allow.load(ROOT / "envs" / "review-allow.yaml")


@renders("review-summary")
def review_summary() -> str:
    checks, allowed = _review_counts()
    return f"review: {checks} checks, 0 failed, {len(allowed)} allowed"


@renders("review-allowed")
def review_allowed() -> str:
    _, allowed = _review_counts()
    if not allowed:
        return (
            "\nThe file holds no entry today: every check passes on dev, qa and prod "
            "without an exception.\n"
        )
    lines = [f"\nThe file holds {len(allowed)} entries:", ""]
    lines += [f"- `{a.check}` at `{a.address}`: {a.reason}" for a in allowed]
    return "\n".join(lines) + "\n"


# --- scanner suppressions (the inline comments in terraform/) ----------------


def _suppressions() -> list:
    from scan import run, suppressions

    return suppressions.find(run.TF_DIR, exclude=run.NOT_SCANNED)


@renders("suppression-count")
def suppression_count() -> str:
    found = _suppressions()
    tools = {t: sum(1 for s in found if s.tool == t) for t in ("checkov", "trivy")}
    return f"{len(found)} ({tools['checkov']} checkov, {tools['trivy']} trivy)"


@renders("suppressions")
def suppression_table() -> str:
    from scan import run

    return "\n" + run.markdown_table(_suppressions()).rstrip("\n") + "\n"


# --- the apply rehearsal (docs/results/rehearsal-dev.json) -------------------


TIME = "%Y-%m-%d %H:%M:%S UTC"


def rehearsal_summary(report: dict, ended: datetime) -> dict:
    """What the docs quote from a rehearsal's report.json, written at `ended`."""
    started = ended - timedelta(seconds=report["seconds"]["total"])
    return {
        "stage": report["stage"],
        "cycles": report.get("cycles", 1),
        "resources": report["resources"],
        "facts": report.get("facts"),
        "checks": len(report["checks"]),
        "seconds": report["seconds"],
        "started": started.strftime(TIME),
        "ended": ended.strftime(TIME),
    }


NOT_REHEARSED = "(not measured yet: `make rehearse ENV=dev`, then `make docs`)"


def _rehearsal() -> dict | None:
    path = RESULTS / "rehearsal-dev.json"
    return json.loads(path.read_text()) if path.is_file() else None


@renders("rehearsal-facts")
def rehearsal_facts() -> str:
    data = _rehearsal()
    return str(data["facts"]) if data else f"a hundred or so {NOT_REHEARSED}"


@renders("rehearsal-resources")
def rehearsal_resources() -> str:
    data = _rehearsal()
    return str(data["resources"]) if data else "?"


STEPS = (
    ("plan", "first plan"),
    ("apply", "apply"),
    ("second_plan", "second plan (with refresh)"),
    ("unchanged_plan", "unchanged rebuild + plan"),
    ("changed_plan", "changed rebuild + plan"),
    ("changed_apply", "apply of the changed function"),
    ("destroy_plan", "destroy plan"),
    ("destroy", "destroy"),
    ("total", "total, every step of `make rehearse` included"),
)


@renders("rehearsal-steps")
def rehearsal_steps() -> str:
    data = _rehearsal()
    if data is None:
        return f"\nNo run recorded {NOT_REHEARSED}.\n"
    seconds = data["seconds"]
    lines = ["| step | seconds |", "|---|---|"]
    lines += [f"| {label} | {seconds[key]:g} |" for key, label in STEPS if key in seconds]
    return "\n" + "\n".join(lines) + "\n"


def _span(run: dict) -> tuple[datetime, datetime] | None:
    if "started" not in run:  # recorded before runs kept their times
        return None
    return tuple(datetime.strptime(run[k], TIME).replace(tzinfo=UTC) for k in ("started", "ended"))


def beside(run: dict, others: list[dict]) -> list[str]:
    """The other rehearsals whose recorded run overlapped this one in time."""
    mine = _span(run)
    found = []
    for other in others:
        theirs = _span(other)
        if other is not run and mine and theirs and theirs[0] < mine[1] and mine[0] < theirs[1]:
            found.append(other["stage"])
    return found


def _pair(seconds: dict, first: str, second: str, tag: str) -> str | None:
    if f"{second}{tag}" not in seconds:
        return None
    if f"{first}{tag}" not in seconds:
        return f"{seconds[second + tag]:g}"
    return f"{seconds[first + tag]:g} + {seconds[second + tag]:g}"


def _apply(seconds: dict, tag: str) -> str | None:
    return _pair(seconds, "plan", "apply", tag)


def _destroy(seconds: dict, tag: str) -> str | None:
    if f"destroy_again{tag}" in seconds:
        # refused as the stage's settings ask (no time kept), lifted, planned and applied again
        return (
            f"{seconds[f'destroy_plan{tag}']:g} + refused, "
            f"lifted, again {seconds[f'destroy_again{tag}']:g}"
        )
    return _pair(seconds, "destroy_plan", "destroy", tag)


def _cycles(run: dict, step) -> str:
    tags = [""] + [f"_{n}" for n in range(2, run.get("cycles", 1) + 1)]
    parts = [p for tag in tags if (p := step(run["seconds"], tag))]
    return ", then ".join(parts) or "—"


@renders("rehearsal-runs")
def rehearsal_runs() -> str:
    runs = [r for s in REHEARSALS if (r := read_json(RESULTS / f"rehearsal-{s}.json"))]
    if not runs:
        return "\nNo run recorded (`make rehearse ENV=<stage>` or `make test`, then `make docs`).\n"
    lines = [
        "| rehearsal | cycles | resources | facts read back | first apply (plan + apply) "
        "| destroy (plan + apply) | total | finished | ran beside it |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for run in runs:
        with_reruns = " (with the re-runs)" if "unchanged_plan" in run["seconds"] else ""
        lines.append(
            f"| {run['stage']}{with_reruns} | {run.get('cycles', 1)} | {run['resources']} "
            f"| {run['facts'] if run.get('facts') is not None else '—'} "
            f"| {_cycles(run, _apply)} | {_cycles(run, _destroy)} "
            f"| {run['seconds']['total']:g} | {run.get('ended', 'not kept')} "
            f"| {', '.join(beside(run, runs)) or 'nothing recorded'} |"
        )
    return "\n" + "\n".join(lines) + "\n"


# --- mutation testing (docs/results/mutation.json, from `make mutate`) --------


@renders("mutation-scores")
def mutation_scores() -> str:
    if not (RESULTS / "mutation.json").is_file():
        return "\nNot measured yet: `make mutate`, then `make docs`.\n"
    data = load("mutation")
    lines = [
        f"`make mutate`, last run {data['date']}, mutmut {data['mutmut']}: "
        f"{data['killed']} of {data['total']} mutants killed ({data['score']:.1%}).",
        "",
        "| file | mutants | killed | survived | score | target | equivalent, left out | measured |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, f in data["files"].items():
        verdict = "met" if f["score"] >= data["target"] else "**missed**"
        when = f.get("date", data["date"])
        lines.append(
            f"| `{name}` | {f['total']} | {f['killed']} | {f['survived']} | "
            f"{f['score']:.1%} | ≥ {data['target']:.0%}: {verdict} | {f['equivalent']} "
            f"| {when} |"
        )
    return "\n" + "\n".join(lines) + "\n"


# --- drills, the local stack, the build's strip (figures_drills, figures_runs) -

from docs import figures_drills, figures_runs, figures_tfvars  # noqa: E402, F401  (they register)

# --- rendering ----------------------------------------------------------------


def render_text(text: str, *, where: str = "") -> str:
    """`text` with every marked region (and the benchmark table) rendered anew."""

    def one(match: re.Match) -> str:
        name = match.group(2)
        if name not in RENDERERS:
            raise FigureError(
                f"{where}: no renderer for region figures:{name} ({sorted(RENDERERS)})"
            )
        return match.group(1) + RENDERERS[name]() + match.group(4)

    text = REGION.sub(one, text)
    report = _bench()
    if report.BEGIN in text and report.END in text:
        before, rest = text.split(report.BEGIN, 1)
        _, after = rest.split(report.END, 1)
        text = f"{before}{report.BEGIN}\n\n{report.render()}\n{report.END}{after}"
    return text


def drifted() -> list[str]:
    """The files whose figures differ from their sources."""
    return [
        rel
        for rel in RENDERED
        if (text := (ROOT / rel).read_text()) != render_text(text, where=rel)
    ]


def take_rehearsals() -> list[str]:
    """Copy each stage's last local rehearsal summary into docs/results when it is newer."""
    taken = []
    for stage in REHEARSALS:
        report, target = REHEARSAL_RUNS / stage / "report.json", RESULTS / f"rehearsal-{stage}.json"
        if not run_is_newer(report, target):
            continue
        ended = datetime.fromtimestamp(report.stat().st_mtime, UTC)
        summary = rehearsal_summary(json.loads(report.read_text()), ended)
        RESULTS.mkdir(exist_ok=True)
        target.write_text(json.dumps(summary, indent=2) + "\n")
        taken.append(stage)
    return taken


def main(argv: list[str]) -> int:
    if "--check" in argv:
        if stale := drifted():
            print(f"figures out of date in {', '.join(stale)}: run `make docs`", file=sys.stderr)
            return 1
        print("docs: every figure matches its source")
        return 0
    if taken := take_rehearsals():
        print(f"docs: took the rehearsals' figures of {', '.join(taken)} from build/tf-rehearsal/")
    if figures_drills.take_drills():
        print("docs: took the drills' figures from build/drills/figures.json")
    if figures_runs.take_tiers():
        print("docs: took the test tiers' timings from build/tiers/timings.json")
    changed = []
    for rel in RENDERED:
        path = ROOT / rel
        text = path.read_text()
        new = render_text(text, where=rel)
        if new != text:
            path.write_text(new)
            changed.append(rel)
    print(f"docs: rendered {', '.join(changed) if changed else 'nothing (already current)'}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except FigureError as exc:
        print(f"docs: error: {exc}", file=sys.stderr)
        sys.exit(1)
