"""Running checkov and trivy from their own venvs, and reading their JSON.

Both run offline: checkov with --skip-download (no Prisma Cloud call), trivy
with --skip-check-update (the checks embedded in the pinned binary). What
each is pointed at, and why:

- checkov, every stage's plan JSON in one process, with
  --repo-root-for-plan-enrichment so that `#checkov:skip` comments in the
  sources apply to plan findings; and the sources once per stage with its
  tfvars, where it finds what a plan hides (lifecycle rules, blocks that
  are off in that stage).
- trivy, every stage's binary plan (a snapshot holding the sources and the
  stage's variables, so `#trivy:ignore` comments apply). Its JSON-plan
  scanner does not descend into child modules, and here every resource is
  in one, so it would pass anything.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from scan.suppressions import normalise

SCAN_DIR = Path(__file__).resolve().parent
CHECKOV = SCAN_DIR / ".venv-checkov" / "bin" / "checkov"
TRIVY = SCAN_DIR / ".venv-trivy" / "bin" / "trivy"


class ScanError(Exception):
    """A tool is missing, crashed, or answered something that is not its JSON."""


@dataclass(frozen=True)
class Finding:
    tool: str
    check_id: str
    title: str
    stage: str
    target: str  # "plan" or "source"
    resource: str
    file: str  # relative to terraform/
    line: int  # first line of the block (checkov) or the cause (trivy)
    suppressed: bool = False
    reason: str = ""

    @property
    def key(self) -> str:
        return normalise(self.check_id)

    def __str__(self) -> str:
        return (
            f"{self.tool} {self.check_id} [{self.stage} {self.target}] {self.resource} "
            f"({self.file}:{self.line}): {self.title}"
        )


def missing_tools() -> list[str]:
    return [str(p.relative_to(SCAN_DIR.parent)) for p in (CHECKOV, TRIVY) if not p.exists()]


def _run(command: list, *, ok_codes: tuple[int, ...], env: dict | None = None) -> str:
    result = subprocess.run(
        [str(c) for c in command],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
    )
    if result.returncode not in ok_codes:
        raise ScanError(
            f"{Path(command[0]).name} exited {result.returncode}:\n{result.stderr[-3000:]}"
        )
    return result.stdout


def checkov(
    args: list, *, stage_of, target: str, env: dict | None = None
) -> tuple[list[Finding], int]:
    """Run checkov with `args`; return its findings (failed and skipped) and the resources scanned.

    `stage_of(record)` names the stage a result belongs to.
    """
    out = _run(
        [CHECKOV, "--skip-download", "--compact", "--output", "json", *args],
        ok_codes=(0, 1),  # 1: failed checks, reported below
        env={"LOG_LEVEL": "ERROR", "CHECKOV_NO_UPDATE_NOTIFICATION": "true", **(env or {})},
    )
    try:
        reports = json.loads(out)
    except ValueError as exc:
        raise ScanError(f"checkov printed no JSON: {out[:500]}") from exc
    findings, resources = [], 0
    for report in reports if isinstance(reports, list) else [reports]:
        resources += report.get("summary", {}).get("resource_count", 0)
        results = report.get("results", {})
        for status in ("failed_checks", "skipped_checks"):
            for record in results.get(status, []):
                findings.append(
                    Finding(
                        tool="checkov",
                        check_id=record["check_id"],
                        title=record.get("check_name", ""),
                        stage=stage_of(record),
                        target=target,
                        resource=record.get("resource", ""),
                        file=(record.get("file_path") or "").lstrip("/"),
                        line=(record.get("file_line_range") or [0])[0],
                        suppressed=status == "skipped_checks",
                        reason=(record.get("check_result") or {}).get("suppress_comment") or "",
                    )
                )
    return findings, resources


def trivy(target: Path, *, stage: str, kind: str, cache: Path, tf_vars: Path | None = None):
    """Run `trivy config` on one target; return its failures and how many checks passed."""
    command = [
        TRIVY,
        "config",
        "--skip-check-update",
        "--skip-version-check",
        "--quiet",
        "--format",
        "json",
        "--cache-dir",
        cache,
    ]
    if tf_vars:
        command += ["--tf-vars", tf_vars]
    out = _run([*command, target], ok_codes=(0,))
    try:
        results = json.loads(out).get("Results") or []
    except ValueError as exc:
        raise ScanError(f"trivy printed no JSON: {out[:500]}") from exc
    findings, passed = [], 0
    for result in results:
        passed += (result.get("MisconfSummary") or {}).get("Successes", 0)
        for m in result.get("Misconfigurations") or []:
            if m.get("Status") != "FAIL":
                continue
            cause = m.get("CauseMetadata") or {}
            findings.append(
                Finding(
                    tool="trivy",
                    check_id=m["ID"],
                    title=m.get("Title", ""),
                    stage=stage,
                    target=kind,
                    resource=cause.get("Resource", ""),
                    file=result["Target"],
                    line=cause.get("StartLine", 0),
                )
            )
    return findings, passed
