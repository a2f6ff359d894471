"""The concurrency curve as an SVG chart: `bench/.venv/bin/python -m bench.chart IN OUT`.

Runs in the bench venv, where the plotting library (pygal, pure Python,
SVG out) lives beside the baselines; the project's own venv never needs it.
Reads bench/results/concurrency.json and writes one chart: throughput and
p99 latency per step, with the 503s the database's connection limit caused.
"""

import json
import sys
from pathlib import Path


def draw(result: dict) -> bytes:
    import pygal
    from pygal.style import CleanStyle

    steps = result["steps"]
    labels = [str(s["threads"]) for s in steps]
    chart = pygal.Bar(
        style=CleanStyle,
        title=(
            f"GET /v1/products/{{id}} through NullPool, max_connections = "
            f"{result['max_connections']}"
        ),
        x_title="concurrent workers",
        y_title="requests per second",
        secondary_range=(0, _ceil(max(s["latency_ms"]["p99"] for s in steps) * 1.1)),
        legend_at_bottom=True,
        width=800,
        height=420,
        disable_xml_declaration=False,
        js=[],  # a static image: no tooltip script fetched from anywhere
        value_formatter=lambda value: f"{value:.0f}",
    )
    chart.x_labels = labels
    chart.add("200 OK per second", [_rate(s, "200") for s in steps])
    chart.add("503 (Retry-After) per second", [_rate(s, "503") for s in steps])
    chart.add(
        "p99 latency, ms (right axis)",
        [round(s["latency_ms"]["p99"]) for s in steps],
        secondary=True,
    )
    return chart.render()


def _ceil(value: float) -> int:
    """`value` rounded up to a round number, so the right axis reads 0, 500, 1000..."""
    step = 500 if value > 1000 else 100
    return int(-(-value // step) * step)


def _rate(step: dict, status: str) -> float:
    return round(step["statuses"].get(status, 0) / step["seconds"], 1)


def main(argv=None) -> int:
    source, target = (argv or sys.argv[1:])[:2]
    svg = draw(json.loads(Path(source).read_text()))
    Path(target).write_bytes(svg if isinstance(svg, bytes) else svg.encode())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
