"""`python -m review PLAN.json --stage qa`: print the review, exit 1 on any failure.

Exit codes: 0 every check passed (or was allowed), 1 a check failed or an
allow entry is stale, 2 the input could not be reviewed.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from review import STAGES, ReviewError, run
from review.allow import AllowError, parse_cli


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m review", description=__doc__)
    parser.add_argument("plan", type=Path, help="plan JSON (terraform show -json)")
    parser.add_argument("--stage", required=True, choices=STAGES)
    parser.add_argument(
        "--allow-file",
        action="append",
        type=Path,
        help="reviewed allowlist (YAML), repeatable; replaces the default envs/review-allow.yaml",
    )
    parser.add_argument(
        "--allow",
        nargs=2,
        action="append",
        default=[],
        metavar=("CHECK_ID:ADDRESS", "REASON"),
        help="a deliberate exception with its reason (shown in the review)",
    )
    parser.add_argument("--contract", type=Path, help="contract to read when the body is unknown")
    parser.add_argument("--markdown", type=Path, help="also write the review to this file")
    args = parser.parse_args(argv)
    try:
        plan_json = json.loads(args.plan.read_text())
        allows = [parse_cli(spec, reason) for spec, reason in args.allow]
        report = run(
            plan_json,
            args.stage,
            allow_files=args.allow_file,
            allows=allows,
            contract=args.contract,
            source=str(args.plan),
        )
    except (OSError, ValueError, ReviewError, AllowError) as exc:
        print(f"review: error: {exc}", file=sys.stderr)
        return 2
    text = report.markdown
    if args.markdown:
        args.markdown.parent.mkdir(parents=True, exist_ok=True)
        args.markdown.write_text(text)
    print(text)
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
