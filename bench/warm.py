"""Warm routing + JSON per request: the item route, no database.

Each variant runs bench/workers/warm.py in its own fresh interpreter, from
its unpacked artifact (bytecode and all), with the same API Gateway event
(tests/events/get_product.json, from an allowlisted Origin) and the same
in-memory row. Two modes:

- `repo`: the database is replaced at the repository, so the figure is
  the framework's event parsing, routing, validation, CORS, the route's
  own code and the JSON answer;
- `conn`: the connection is replaced instead, so the SQL statement each
  route builds per request is included (the baselines build the same
  Core statement ours does).

Every answer is checked (status, body, ETag, CORS) before it is timed.
"""

import copy
import json

from bench.baselines import common
from bench.measure import log, ratio, run_worker, summary
from bench.workers.warm import ROW

VARIANTS = ("ours", "stdlib", "powertools", "chalice", "fastapi")
ORIGIN = "https://bench.shop.example.com"  # allowlisted by bench/stack.py's CONFIG


def item_event(base_event: dict) -> dict:
    event = copy.deepcopy(base_event)
    event["headers"]["Origin"] = ORIGIN
    event["multiValueHeaders"]["Origin"] = [ORIGIN]
    return event


def expected_body() -> dict:
    class Row:
        pass

    row = Row()
    row.__dict__.update(ROW)
    return common.to_json(row)


def check(name: str, answer: dict) -> str | None:
    if answer.get("statusCode") != 200:
        return f"status {answer.get('statusCode')}"
    headers = {k.lower(): v for k, v in (answer.get("headers") or {}).items()}
    for key, values in (answer.get("multiValueHeaders") or {}).items():
        headers.setdefault(key.lower(), values[0])
    if json.loads(answer["body"]) != json.loads(json.dumps(expected_body())):
        return "body differs from ours"
    if headers.get("etag") != '"p1-v3"':
        return "no ETag"
    if name != "stdlib" and headers.get("access-control-allow-origin") != ORIGIN:
        return "no CORS echo of the allowlisted origin"
    return None


def measure(variants, roots, env, base_event, passes=2, repeats=7) -> dict:
    """Return {mode: {variant: figures}}; each variant and mode runs `passes` times."""
    event = item_event(base_event)
    by_name = {v.name: v for v in variants}
    names = [n for n in VARIANTS if n in by_name]
    names += [v.name for v in variants if v.kind == "ours" and v.name not in names and v.bytecode]
    rounds = {mode: {name: [] for name in names} for mode in ("repo", "conn")}
    numbers = {}
    for pass_ in range(passes):
        for mode in ("repo", "conn"):
            for name in names:
                variant = by_name[name]
                log(f"  warm {mode}: {name} (pass {pass_ + 1}/{passes})")
                spec = {
                    "kind": variant.kind,
                    "handler": variant.handler,
                    "mode": mode,
                    "event": event,
                    "warmup": 2000,
                    "number": numbers.get((mode, name), 0),
                    "round_s": 0.25,
                    "repeats": repeats,
                }
                out = run_worker("warm.py", roots[name], spec, env)
                problem = check(name, out["answer"])
                if problem:
                    raise RuntimeError(f"warm {name} ({mode}): {problem}: {out['answer']}")
                numbers[(mode, name)] = out["number"]
                rounds[mode][name].extend(out["rounds_us"])
    result = {}
    for mode, per_variant in rounds.items():
        figures = {
            name: {
                "label": by_name[name].label,
                "kind": "tree" if by_name[name].kind == "ours" and name != "ours" else "",
                "per_request_us": summary(samples),
                "best_us": round(min(samples), 3),
                "calls_per_round": numbers[(mode, name)],
                "rounds_us": [round(s, 3) for s in samples],
            }
            for name, samples in per_variant.items()
        }
        ours = figures["ours"]["best_us"]
        for fig in figures.values():
            fig["ours_to_this"] = ratio(ours, fig["best_us"])
        result[mode] = figures
    return result
