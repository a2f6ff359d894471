"""SnapStart, emulated on this machine (labelled so wherever it is shown).

bench/workers/snapstart.py primes one process as Lambda initialises a
SnapStart version, then forks one "restored" environment per round; each
runs the after-restore hooks and answers the first DB-backed request.
This measures what our hooks leave on the path after a restore (config and
secret re-read through the extension, the engine made, the queries), not
AWS's restore of a snapshot, which only a deployed function can show.
"""

from pathlib import Path

from bench.measure import ROOT, log, run_worker, summary

RUNTIME_HOOKS = ROOT / "local" / "lambda_runtime"


def measure(root: Path, handler: str, env: dict, event: dict, runs: int, check) -> dict:
    """Prime the built api (`handler`, from its manifest) once, restore it `runs` times."""
    log(f"  SnapStart emulated: prime once, {runs} forked restores")
    out = run_worker(
        "snapstart.py",
        root,
        {
            "handler": handler,
            "event": event,
            "runs": runs,
            "runtime_hooks": str(RUNTIME_HOOKS),
        },
        env,
    )
    for number, result in enumerate(out["rounds"], 1):
        problem = check({"statusCode": result["status"], "body": result["body"]})
        if problem:
            raise RuntimeError(f"restore {number}: {problem}")
    rounds = out["rounds"]
    return {
        "label": "emulated SnapStart: fork of a primed process + after-restore hooks (not AWS)",
        "prime_ms": round(out["prime_ms"], 3),
        "first_response_ms": summary(r["first_response_ms"] for r in rounds),
        "cpu_ms": summary(r["cpu_ms"] for r in rounds),
        "distinct_container_ids": len({r["container_id"] for r in rounds}),
        "distinct_random_states": len({r["random"] for r in rounds}),
        "aws_sdk_imported": sorted({m for r in rounds for m in r["aws_sdk"]}),
        "runs": len(rounds),
    }
