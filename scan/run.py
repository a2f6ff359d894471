"""`python -m scan.run` (`make scan`): plan every stage offline, scan, and judge.

Fails (exit 1) on any finding not suppressed inline, on a suppression
without a reason, and on a suppression that no longer suppresses anything;
exit 2 when a tool is missing or crashed. Writes build/scan/report.json.
`--list-suppressions` prints the table the README carries.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

from scan import suppressions as sup
from scan import tools

ROOT = Path(__file__).resolve().parents[1]
TF_DIR = ROOT / "terraform"
OUT = ROOT / "build" / "scan"
PLANS = ROOT / "build" / "plans"
STAGES = ("dev", "qa", "prod")
# Copied next to a scratch root by deploy/rehearsal.py only; never planned
# for a real stage, and full of partial blocks the scanners would misread.
NOT_SCANNED = ("rehearsal",)
# Where every suppression is listed with its reason (rendered by `make docs`).
SUPPRESSIONS_DOC = ROOT / "docs" / "infra-verification.md"


def plan_stages(stages) -> None:
    """Build, then plan each stage offline as CI does (build/plans/<stage>.offline.*)."""
    from deploy.steps import DeployError
    from deploy.terraform import Stack, use_cli_environment

    use_cli_environment()
    built = subprocess.run([sys.executable, str(ROOT / "build.py")], capture_output=True, text=True)
    if built.returncode:
        raise tools.ScanError(f"build.py failed:\n{built.stderr[-2000:]}")
    OUT.mkdir(parents=True, exist_ok=True)
    for stage in stages:
        stack = Stack(stage, mode="offline")
        log = OUT / f"plan-{stage}.log"
        try:
            # Stack.plan streams terraform's output to sys.stdout: keep it in a log.
            with log.open("w") as out, contextlib.redirect_stdout(out):
                stack.prepare()
                stack.init()
                stack.plan()
        except DeployError as exc:
            raise tools.ScanError(
                f"offline plan of {stage} failed: {exc.message} (see {log})"
            ) from exc
        print(f"    {stage}: {PLANS.relative_to(ROOT)}/{stage}.offline.json", flush=True)


def copy_sources(name: str, *, unsuppressed: bool = False, skip: tuple = ()) -> Path:
    """Copy terraform/ (less rehearsal/ and `skip`), api/ and the manifest to build/scan/<name>."""
    base = OUT / name
    shutil.rmtree(base, ignore_errors=True)
    ignore = shutil.ignore_patterns(
        ".terraform", "*.tfstate*", "terraform.tfstate.d", *NOT_SCANNED, *skip
    )
    shutil.copytree(TF_DIR, base / "terraform", ignore=ignore)
    shutil.copytree(ROOT / "api", base / "api")
    (base / "build").mkdir()
    shutil.copy2(ROOT / "build" / "manifest.json", base / "build" / "manifest.json")
    if unsuppressed:
        for path in (base / "terraform").rglob("*.tf"):
            path.write_text(sup.strip(path.read_text()))
    return base / "terraform"


def scan(stages) -> dict:
    """Run every scan twice: as written (the gate), and with the suppressions blanked.

    The second run tells which suppressions still match a finding; a tool
    reports its own skip as used even where the check would pass.
    """
    cache = OUT / "trivy-cache"
    plan_json = [PLANS / f"{s}.offline.json" for s in stages]
    missing = [str(p) for p in plan_json if not p.exists()]
    if missing:
        raise tools.ScanError(f"no plan {', '.join(missing)}: run without --no-plan")
    gate = copy_sources("source")
    found, counted = _checkov(gate, plan_json, stages)
    for stage in stages:
        more, counted[f"trivy plan {stage}"] = tools.trivy(
            _snapshot(stage), stage=stage, kind="plan", cache=cache
        )
        found += more
    bare = copy_sources("unsuppressed", unsuppressed=True)
    raw, _ = _checkov(bare, plan_json, stages)
    for stage in stages:
        tf_vars = ROOT / "envs" / f"{stage}.tfvars"
        raw += tools.trivy(bare, stage=stage, kind="source", cache=cache, tf_vars=tf_vars)[0]
    return judge(found, raw, sup.find(TF_DIR, exclude=NOT_SCANNED), counted)


def _checkov(root: Path, plan_json: list[Path], stages) -> tuple[list, dict]:
    def plan_stage(record):
        return Path(record["file_abs_path"]).name.split(".")[0]

    # A stage's plan is enriched from the stage root alone: with the bootstrap
    # root beside it, checkov maps the stage's provider to bootstrap's
    # `provider "aws"` block, the first it finds.
    name = root.parent.name
    stage_root = copy_sources(
        f"{name}-stage", unsuppressed=name == "unsuppressed", skip=("bootstrap",)
    )
    counted = {}
    found, counted["checkov plans"] = tools.checkov(
        ["--framework", "terraform_plan", "--repo-root-for-plan-enrichment", stage_root, "--file"]
        + plan_json,
        stage_of=plan_stage,
        target="plan",
    )
    for stage in stages:
        more, counted[f"checkov source {stage}"] = tools.checkov(
            ["--framework", "terraform", "--directory", root]
            + ["--var-file", ROOT / "envs" / f"{stage}.tfvars"],
            stage_of=lambda _r, s=stage: s,
            target="source",
        )
        found += more
    return found, counted


def _snapshot(stage: str) -> Path:
    """The stage's binary plan, alone in a folder: trivy takes one target, and a
    folder of three snapshots would merge the stages' results."""
    snapshot = OUT / "snapshots" / stage / f"{stage}.tfplan"
    snapshot.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(PLANS / f"{stage}.offline.tfplan", snapshot)
    return snapshot


def judge(found, raw, suppressions, counted) -> dict:
    """Sort findings into unexplained and suppressed; flag suppressions without reason or use.

    `found`: the findings of the scans as written (a suppressed one is marked
    so by checkov; trivy leaves it out). `raw`: the findings with every
    suppression blanked, which tells which suppressions still match one.
    """
    unexplained = [f for f in found if not f.suppressed]
    failures = [f for f in raw if not f.suppressed]

    def matches(s, f):
        return f.tool == s.tool and f.key == s.key and f.file == s.file and s.block.covers(f.line)

    used = {s for s in suppressions if any(matches(s, f) for f in failures)}
    suppressed = [f for f in failures if any(matches(s, f) for s in suppressions)]
    return {
        "ok": not unexplained
        and all(s.explained for s in suppressions)
        and len(used) == len(suppressions),
        "counted": counted,
        "unexplained": [asdict(f) | {"text": str(f)} for f in unexplained],
        "suppressed": len(suppressed),
        "suppressions": [
            {
                "tool": s.tool,
                "check_id": s.check_id,
                "file": s.file,
                "line": s.line,
                "resource": s.block.name,
                "reason": s.reason,
                "explained": s.explained,
                "used": s in used,
            }
            for s in suppressions
        ],
    }


def markdown_table(suppressions: list[sup.Suppression]) -> str:
    """One row per suppression, the way SUPPRESSIONS_DOC lists them."""
    rows = ["| tool | check | resource | reason |", "|---|---|---|---|"]
    for s in suppressions:
        where = f"`{s.file}` `{s.block.name}`"
        rows.append(f"| {s.tool} | {s.check_id} | {where} | {s.reason.replace('|', '/')} |")
    return "\n".join(rows)


def print_report(report: dict) -> None:
    for name, count in report["counted"].items():
        print(f"    {name}: {count}")
    items = report["suppressions"]
    print(
        f"==> {len(report['unexplained'])} unexplained finding(s), {report['suppressed']} "
        f"suppressed by {len(items)} inline suppression(s)"
    )
    for f in report["unexplained"]:
        print(f"  UNEXPLAINED {f['text']}")
    for s in items:
        if not s["explained"]:
            print(f"  NO REASON   {s['tool']} {s['check_id']} at {s['file']}:{s['line']}")
        if not s["used"]:
            print(f"  UNUSED      {s['tool']} {s['check_id']} at {s['file']}:{s['line']}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scan.run", description=__doc__)
    parser.add_argument("--stages", nargs="+", choices=STAGES, default=list(STAGES))
    parser.add_argument("--no-plan", action="store_true", help="scan the plans already built")
    parser.add_argument("--list-suppressions", action="store_true")
    args = parser.parse_args(argv)
    if args.list_suppressions:
        print(markdown_table(sup.find(TF_DIR, exclude=NOT_SCANNED)))
        return 0
    if missing := tools.missing_tools():
        print(f"error: {', '.join(missing)} missing: run `make scan-tools`", file=sys.stderr)
        return 2
    try:
        if not args.no_plan:
            print(f"==> offline plans of {', '.join(args.stages)}", flush=True)
            plan_stages(args.stages)
        print("==> checkov and trivy", flush=True)
        report = scan(args.stages)
    except (tools.ScanError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    print_report(report)
    print("scan: OK" if report["ok"] else "scan: FAILED (docs/infra-verification.md)")
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
