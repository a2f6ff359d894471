"""The table: bench/results/*.json rendered as markdown, figures and ratios.

`python -m bench.report` re-renders it from the last run's results without
measuring anything. docs/benchmarks.md keeps its hand-written parts; only
the part between the two `bench:` markers is replaced. `collect()` (or
`rows()`) is what docs/figures.py renders the README's figures from, so the
README and this table cannot disagree. Each metric's rows and detail
section come from its renderer in bench/tables.py.
"""

import json
import sys

from bench import tables
from bench.measure import RESULTS, ROOT
from bench.tables import mib, ms, verdict  # noqa: F401 (used by docs/figures.py)

DOCS = ROOT / "docs" / "benchmarks.md"
BEGIN = "<!-- bench:begin (written by `make bench`; do not edit by hand) -->"
END = "<!-- bench:end -->"

Row = tuple[str, str, str, str, str, str]  # metric, ours, baseline, ratio, target, verdict

# Metric file -> its renderer, in the order the table shows them.
PARTS = (
    ("coldstart_db", tables.coldstart_db),
    ("coldstart_steps", tables.steps),
    ("snapstart_emulated", tables.snapstart),
    ("coldstart_keepalive", tables.keepalive),
    ("warm_routing", tables.warm),
    ("nullpool_tls", tables.nullpool),
    ("concurrency", tables.concurrency),
    ("gateway", tables.gateway),
    ("artifact_size_build", tables.sizes),
)


def load(metric: str) -> dict | None:
    path = RESULTS / f"{metric}.json"
    return json.loads(path.read_text()) if path.is_file() else None


def collect() -> tuple[list[Row], list[str], set, dict | None]:
    """Every metric's rows (metric, ours, baseline, ratio, target, verdict),
    its detail sections, the runs' dates and the machine, from bench/results/."""
    rows: list[Row] = []
    details: list[str] = []
    dates = set()
    info = None
    for metric, part in PARTS:
        data = load(metric)
        if data is None:
            rows.append((metric, "not measured", "", "", "", "—"))
            continue
        info = data.get("machine", info)
        dates.add(data.get("machine", {}).get("date", "?"))
        new_rows, detail = part(data)
        rows += new_rows
        if detail:
            details.append(detail)
    return rows, details, dates, info


def rows() -> list[Row]:
    """Every row of the last results: targets (met or missed) and reported figures."""
    return collect()[0]


def render() -> str:
    all_rows, details, dates, info = collect()
    head = []
    if info:
        when = (
            f"Measured {next(iter(dates))}"
            if len(dates) == 1
            else f"Measured in separate runs ({', '.join(sorted(dates))})"
        )
        one_run = "every figure from the same `make bench` run" if len(dates) == 1 else ""
        head.append(
            f"{when} on {info['cpu']} ({info['cores']} cores), {info['os']}, "
            f"Python {info['python']}" + (f"; {one_run}." if one_run else ".")
        )
        head.append("")
    table = [
        "| metric | ours | baseline | ratio | target | |",
        "|---|---|---|---|---|---|",
        *(f"| {' | '.join(row)} |" for row in all_rows),
    ]
    return "\n".join([*head, *table, "", *details]).rstrip() + "\n"


def write_docs(table: str):
    """Put `table` between the markers of docs/benchmarks.md (created if missing)."""
    text = DOCS.read_text() if DOCS.is_file() else f"# Benchmarks\n\n{BEGIN}\n{END}\n"
    if BEGIN not in text or END not in text:
        text = text.rstrip() + f"\n\n{BEGIN}\n{END}\n"
    before, rest = text.split(BEGIN, 1)
    _, after = rest.split(END, 1)
    DOCS.write_text(f"{before}{BEGIN}\n\n{table}\n{END}{after}")
    return DOCS


if __name__ == "__main__":
    sys.stdout.write(render())
