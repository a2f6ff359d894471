"""`make mutate`: mutmut over the core of functions/shop, as a measure of the tests.

mutmut changes one thing at a time in the named modules (an operator, a
constant, a condition) and runs the tests that cover the changed function;
a mutant the tests still pass with has *survived*. The score per file goes
to docs/results/mutation.json (rendered into docs/reliability.md by
`make docs`), every survivor to build/mutate/survivors.txt (`mutmut show` in the tree
gives its diff).

Runs in a scratch copy (build/mutate/tree) with `functions/` laid out as
`src/`, where mutmut expects a package, so the working tree is never
touched. The tests are the modules' unit tests and the edge tests that need
no MariaDB server: mutmut runs the covering tests once per mutant, and a
throwaway server costs ~10 s to start, hundreds of times over.

Equivalent mutants (no test can tell them apart from the original) are
listed with their reason in tests/mutation/equivalent.txt and counted
separately, never as killed.
"""

import argparse
import datetime
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "build" / "mutate"
TREE = OUT / "tree"
MUTMUT = ROOT / ".venv-mutate" / "bin" / "mutmut"
RESULT = ROOT / "docs" / "results" / "mutation.json"
EQUIVALENT = Path(__file__).with_name("equivalent.txt")
TARGET = 0.9

FILES = ("db.py", "orders.py", "config.py", "validation.py", "http.py", "money.py", "notify.py")
TESTS = (
    "tests/unit/test_config.py",
    "tests/unit/test_http.py",
    "tests/unit/test_money.py",
    "tests/unit/test_validation.py",
    "tests/unit/test_contract.py",
    # The edge tests of the core modules, written to run without a MariaDB server.
    *sorted(
        str(p.relative_to(ROOT))
        for tier in ("unit", "functional")
        for p in (ROOT / "tests" / tier).glob("test_*_edges.py")
    ),
)
LINE = re.compile(r"^\s+shop\.(\w+)\.(\S+): (.+)$")


def prepare(modules: tuple[str, ...] = FILES) -> None:
    """A copy of the tracked tree with functions/ as src/, and mutmut's settings."""
    shutil.rmtree(TREE, ignore_errors=True)
    TREE.mkdir(parents=True)
    files = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\n")
    for rel in filter(None, files):
        src = ROOT / rel
        if src.is_file() and not rel.startswith(("build/", "docs/", "web/", "terraform/")):
            dst = TREE / rel
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst)
    (TREE / "functions").rename(TREE / "src")
    (TREE / "functions").symlink_to("src")
    pyproject = TREE / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace(
            'pythonpath = ["functions", "."]', 'pythonpath = ["src", "."]'
        )
    )
    lines = ["[mutmut]", "source_paths = src/shop", "only_mutate ="]
    lines += [f"    src/shop/{name}" for name in modules]
    lines += ["also_copy =", "    api", "    envs", "    functions", "    local"]
    lines += ["pytest_add_cli_args_test_selection ="] + [f"    {t}" for t in TESTS]
    lines += ["pytest_add_cli_args =", "    -p", "    no:cacheprovider"]
    (TREE / "setup.cfg").write_text("\n".join(lines) + "\n")


def equivalents() -> dict[str, str]:
    """Mutant name -> why it cannot be killed, from equivalent.txt."""
    found = {}
    for line in EQUIVALENT.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, reason = line.partition(" ")
            found[name] = reason.strip()
    return found


def collect(statuses: dict[str, str], accepted: dict[str, str], measured: dict) -> dict:
    files = {}
    for name in measured["files"]:
        module = name.removesuffix(".py")
        mine = {k: v for k, v in statuses.items() if k.startswith(f"shop.{module}.")}
        equivalent = [k for k in mine if k in accepted and mine[k] != "killed"]
        counted = {k: v for k, v in mine.items() if k not in equivalent}
        killed = sum(1 for v in counted.values() if v in ("killed", "timeout"))
        total = len(counted)
        files[name] = {
            "total": total,
            "killed": killed,
            "survived": total - killed,
            "equivalent": len(equivalent),
            "score": round(killed / total, 4) if total else 1.0,
            "date": measured["date"],
        }
    return files


def summarise(files: dict) -> dict:
    total = sum(f["total"] for f in files.values())
    killed = sum(f["killed"] for f in files.values())
    return {"total": total, "killed": killed, "score": round(killed / total, 4), "files": files}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="make mutate")
    parser.add_argument("--max-children", type=int, default=2)
    parser.add_argument(
        "--only",
        nargs="+",
        choices=FILES,
        help="measure these files again and keep the other files' last scores",
    )
    parser.add_argument(
        "--survivors",
        action="store_true",
        help="re-run only the last run's survivors against the current tests (same source)",
    )
    args = parser.parse_args(argv)
    if not MUTMUT.exists():
        print(
            "mutate: mutmut missing: run `make mutate` (it creates .venv-mutate)", file=sys.stderr
        )
        return 2
    names: list[str] = []
    if args.survivors:
        names = [line.split()[0] for line in (OUT / "survivors.txt").read_text().splitlines()[1:]]
        for where in (TREE / "tests", TREE / "mutants" / "tests"):
            shutil.rmtree(where)
            shutil.copytree(ROOT / "tests", where, ignore=shutil.ignore_patterns("__pycache__"))
        print(f"==> mutate: {len(names)} survivors again, with the current tests", file=sys.stderr)
    else:
        print(f"==> mutate: copying the tree to {TREE.relative_to(ROOT)}", file=sys.stderr)
        prepare(tuple(args.only or FILES))
        print(
            f"==> mutate: mutmut over {', '.join(args.only or FILES)} ({len(TESTS)} test files)",
            file=sys.stderr,
        )
    subprocess.run(
        [MUTMUT, "run", "--max-children", str(args.max_children), *names], cwd=TREE, check=True
    )
    listing = subprocess.run(
        [MUTMUT, "results", "--all", "true"], cwd=TREE, capture_output=True, text=True, check=True
    ).stdout
    statuses = {
        f"shop.{m.group(1)}.{m.group(2)}": m.group(3)
        for line in listing.splitlines()
        if (m := LINE.match(line))
    }
    accepted = equivalents()
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    files = collect(statuses, accepted, {"files": args.only or FILES, "date": now})
    if args.only and RESULT.is_file():  # the other files keep their last measure
        last = json.loads(RESULT.read_text())
        for kept in last["files"].values():
            kept.setdefault("date", last["date"])
        files = {**last["files"], **files}
    data = summarise({name: files[name] for name in FILES if name in files})
    version = subprocess.run(
        [
            MUTMUT.with_name("python"),
            "-c",
            "import importlib.metadata as m; print(m.version('mutmut'))",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    data = {
        "date": now,
        "mutmut": version,
        "target": TARGET,
        "tests": list(TESTS),
        **data,
    }
    survivors = [
        k for k, v in statuses.items() if v not in ("killed", "timeout") and k not in accepted
    ]
    (OUT / "survivors.txt").write_text(
        "# `cd build/mutate/tree && ../../../.venv-mutate/bin/mutmut show NAME` shows one\n"
        + "".join(f"{name} {statuses[name]}\n" for name in survivors)
    )
    RESULT.parent.mkdir(exist_ok=True)
    RESULT.write_text(json.dumps(data, indent=2) + "\n")
    for name, f in data["files"].items():
        print(
            f"  {name:14} {f['killed']:4}/{f['total']:<4} {f['score']:.1%}"
            f"  ({f['equivalent']} equivalent)"
        )
    print(
        f"mutate: {data['killed']}/{data['total']} killed ({data['score']:.1%}); "
        f"{len(survivors)} survivors in {(OUT / 'survivors.txt').relative_to(ROOT)}; "
        f"scores in {RESULT.relative_to(ROOT)} (`make docs` renders them)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
