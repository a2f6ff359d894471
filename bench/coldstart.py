"""Cold starts of built artifacts: to the first DB-backed response, and to a
keep-alive answer.

Every variant is unpacked as Lambda lays it out (tests/support/
lambda_layout.py: function in var/task, layers in opt, boto3 from the
runtime) and started in a fresh `python -I -S -B` interpreter by
bench/workers/coldstart.py (that module's bootstrap, plus a wall-clock
stamp), once per round, the variants alternating and the order reversed
every other round so that none is always first after another. Two
figures: the handler's import plus its first answer, measured inside the
process, and `launch_ms`, from just before the interpreter is launched to
the moment the answer is ready (the interpreter's own start included, its
teardown not).
Every variant reads its config from the same moto SSM and its password
from the same Secrets Manager, and runs the same SELECTs over TLS against
the same MariaDB; a run whose answer is not the expected one fails.
"""

import json
import time
from pathlib import Path

import bench.stack  # noqa: F401 (puts tests/ and functions/ on sys.path)
from bench.measure import log, ratio, run_worker, summary
from bench.package import Variant
from support.lambda_layout import unpack


def prepare(variants: list[Variant], base: Path) -> dict[str, Path]:
    """Unpack every variant under `base`; return {name: layout root}."""
    return {v.name: unpack(base / v.name, v.function_zip, list(v.layer_zips)) for v in variants}


def run(variants, roots, env, event, runs: int, check, label: str) -> dict:
    """Start every variant cold `runs` times (plus one discarded warm-up each)."""
    samples = {v.name: [] for v in variants}
    for round_ in range(-1, runs):
        order = variants if round_ % 2 == 0 else list(reversed(variants))
        if round_ >= 0:
            log(f"  {label}: round {round_ + 1}/{runs}")
        for variant in order:
            spec = {"handler": variant.handler, "events": [event]}
            launched = time.time()
            out = run_worker("coldstart.py", roots[variant.name], spec, env, timeout=120)
            launch_ms = (out["answered_at"] - launched) * 1000
            result = out["results"][0]
            problem = check(result["result"])
            if problem:
                raise RuntimeError(f"{variant.name}: {problem}: {json.dumps(result)[:2000]}")
            if round_ < 0:
                continue
            samples[variant.name].append(
                {
                    "import_ms": round(out["import_ms"], 3),
                    "first_response_ms": round(out["init_and_first_ms"], 3),
                    "launch_ms": round(launch_ms, 3),
                    "cpu_ms": round(out["cpu_ms"], 3),
                    "sqlalchemy_imported": result["sqlalchemy"],
                    "modules_from_package": len(out["from_package"]),
                }
            )
    return samples


def summarise(variants, samples: dict, reference: str) -> dict:
    figures = {}
    for v in variants:
        runs = samples[v.name]
        figures[v.name] = {
            "label": v.label,
            "kind": "tree" if v.kind == "ours" and v.bytecode and v.name != reference else v.kind,
            "bytecode": v.bytecode,
            "sizes": v.sizes,
            "first_response_ms": summary(r["first_response_ms"] for r in runs),
            "import_ms": summary(r["import_ms"] for r in runs),
            "launch_ms": summary(r["launch_ms"] for r in runs),
            "cpu_ms": summary(r["cpu_ms"] for r in runs),
            "sqlalchemy_imported": any(r["sqlalchemy_imported"] for r in runs),
            "modules_from_package": runs[0]["modules_from_package"],
            "samples": runs,
        }
    ref = figures[reference]["first_response_ms"]["median"]
    for fig in figures.values():  # how long `reference` takes, in units of this variant
        fig[f"{reference}_to_this"] = ratio(ref, fig["first_response_ms"]["median"])
    return figures


def db_check(expected_total: int, page_size: int):
    def check(result) -> str | None:
        if not isinstance(result, dict) or result.get("statusCode") != 200:
            return "not a 200"
        body = json.loads(result["body"])
        if body.get("total") != expected_total or len(body.get("items", [])) != page_size:
            return f"expected {page_size} of {expected_total} products"
        return None

    return check


def keepalive_check(result) -> str | None:
    if not isinstance(result, dict) or result.get("warm") is not True:
        return "not a keep-alive answer"
    return None
