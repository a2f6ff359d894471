#!/usr/bin/env python3
"""Build the Lambda artifacts that Terraform deploys, and build/manifest.json.

    .venv/bin/python build.py [FUNCTION ...] [--arch x86_64|arm64] [--json]

Reads functions/functions.json (the functions, their packages and layers) and
the pinned functions/requirements*.txt (one dependency layer each); writes
build/<layer>.zip, build/<function>.zip and build/manifest.json (format in
docs/architecture.md). The same inputs give the same bytes, so an unchanged
function never shows up in `terraform plan`; unchanged inputs are not rebuilt;
a failed build leaves build/ exactly as it was. docs/build.md says why.

This file is the command line; buildlib/ holds the steps. It stays free of
Lambda code and of deploy code: they meet through the manifest only. Until the
interpreter is checked it imports only the standard library, so a wrong Python
gets a clear message instead of an ImportError.
"""

import argparse
import json
import platform
import sys
from pathlib import Path

from buildlib import BuildError

ROOT = Path(__file__).resolve().parent


def interpreter_problem(runtime: str, version: tuple = tuple(sys.version_info[:2])) -> str | None:
    """Returns why this interpreter cannot build for `runtime`, or None if it can.

    Bytecode is valid only for the minor version that wrote it, so the builder
    runs on the runtime's own minor version.
    """
    wanted = runtime.removeprefix("python")
    if f"{version[0]}.{version[1]}" == wanted:
        return None
    return (
        f"the {runtime} runtime needs bytecode written by Python {wanted}, but this is "
        f"Python {platform.python_version()} ({sys.executable}); run it with "
        f"python{wanted}, e.g. .venv/bin/python build.py"
    )


def read_runtime(root: Path) -> str:
    """Returns the runtime named in functions/functions.json; raises if it cannot be read."""
    path = root / "functions" / "functions.json"
    try:
        spec = json.loads(path.read_text())
    except FileNotFoundError as exc:
        raise BuildError(f"{path}: not found (is --root the repository root?)") from exc
    except ValueError as exc:
        raise BuildError(f"{path}: invalid JSON: {exc}") from exc
    return str(spec.get("runtime", "")) if isinstance(spec, dict) else ""


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "functions",
        nargs="*",
        metavar="FUNCTION",
        help="build only these functions (and their layers); default: all",
    )
    parser.add_argument(
        "--arch",
        choices=["x86_64", "arm64"],
        help="override functions.json's architecture (make build ARCH=arm64)",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="print a JSON summary on stdout; progress goes to stderr",
    )
    parser.add_argument(
        "--budget",
        action="append",
        default=[],
        metavar="FUNCTION=MIB",
        help="zipped size budget of a function plus its layers (default api=5)",
    )
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        args.budget = {k: float(v) for k, v in (b.split("=", 1) for b in args.budget)}
    except ValueError:
        parser.error("--budget takes FUNCTION=MIB, e.g. --budget api=5")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    root = args.root.resolve()
    log = (lambda line: print(line, file=sys.stderr)) if args.json else print
    try:
        runtime = read_runtime(root)
        if runtime.startswith("python") and (problem := interpreter_problem(runtime)):
            raise BuildError(problem)
        from buildlib.builder import build  # needs the venv's packages and the right Python

        summary = build(root, args.arch, args.functions, args.budget, log=log)
    except BuildError as exc:
        print(f"build.py: error: {exc}", file=sys.stderr)
        if args.json:
            print(json.dumps({"error": str(exc)}))
        return 1
    if args.json:
        print(json.dumps(summary, indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
