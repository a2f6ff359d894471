"""Reviewed exceptions: which check may fail where, and why.

Entries live in a reviewed YAML file (`envs/review-allow.yaml` by default)
or come from the command line (`--allow CHECK_ID:ADDRESS REASON`). Each
names a known check, an exact resource address, the stages it covers and
a reason; a missing reason or an unknown check is an error, not a silent
skip. An entry that matches no finding of the reviewed stage is reported
as stale and fails the review, so an exception cannot outlive its cause
and quietly cover the next problem at the same address.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from review.model import REGISTRY, Allow, Finding

STAGES = ("dev", "qa", "prod")


class AllowError(ValueError):
    """An allowlist entry is malformed."""


def load(path: Path) -> list[Allow]:
    """Read an allowlist file; raise AllowError on a malformed entry."""
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise AllowError(f"{path}: cannot read the allowlist: {exc}") from exc
    entries = data.get("allow") if isinstance(data, dict) else None
    if entries is None:
        entries = []
    if not isinstance(entries, list):
        raise AllowError(f"{path}: `allow` must be a list of entries")
    shown = (
        path.relative_to(Path.cwd())
        if path.is_absolute() and path.is_relative_to(Path.cwd())
        else path
    )
    return [_entry(item, f"{shown}, entry {n}") for n, item in enumerate(entries, 1)]


def _entry(item, where: str) -> Allow:
    if not isinstance(item, dict):
        raise AllowError(f"{where}: an entry is a mapping with check, address, stages, reason")
    unknown = set(item) - {"check", "address", "stages", "reason"}
    if unknown:
        raise AllowError(f"{where}: unknown key(s) {sorted(unknown)}")
    stages = item.get("stages")
    if stages is not None:
        if not isinstance(stages, list) or not set(stages) <= set(STAGES) or not stages:
            raise AllowError(f"{where}: stages must be a non-empty list of {', '.join(STAGES)}")
        stages = tuple(stages)
    return make(item.get("check"), item.get("address"), item.get("reason"), where, stages)


def make(check, address, reason, source: str, stages=None) -> Allow:
    if check not in REGISTRY:
        known = ", ".join(sorted(REGISTRY))
        raise AllowError(f"{source}: unknown check {check!r} (known: {known})")
    if not isinstance(address, str) or not address.strip():
        raise AllowError(f"{source}: an address is required (the exact resource address)")
    if not isinstance(reason, str) or len(reason.strip()) < 10:
        raise AllowError(f"{source}: a reason is required (why this exception is deliberate)")
    return Allow(check, address.strip(), " ".join(reason.split()), source, stages)


def parse_cli(spec: str, reason: str) -> Allow:
    """`CHECK_ID:ADDRESS` plus its reason, from the command line."""
    check, sep, address = spec.partition(":")
    if not sep:
        raise AllowError(f"--allow {spec!r}: expected CHECK_ID:ADDRESS")
    return make(check, address, reason, "command line")


def apply(findings: list[Finding], allows: list[Allow], stage: str) -> list[Allow]:
    """Mark allowed findings; return the entries for this stage that matched nothing."""
    relevant = [a for a in allows if a.applies_to(stage)]
    used = set()
    for finding in findings:
        for allow in relevant:
            if allow.check == finding.check and allow.address == finding.address:
                finding.allowed_by = allow
                used.add(id(allow))
                break
    return [a for a in relevant if id(a) not in used]
