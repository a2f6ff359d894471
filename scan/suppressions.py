"""Inline suppressions in the Terraform sources, and the blocks they belong to.

Two spellings, each the tool's own, so the tools honour them natively:

    resource "aws_sns_topic" "alarms" {
      #checkov:skip=CKV_AWS_26: <reason>        (inside the block)

    #trivy:ignore:AVD-AWS-0095 <reason>        (on the lines right above it)
    resource "aws_sns_topic" "alarms" {

This module finds them and the block each one covers, so the scan can insist
on a reason and notice a suppression that no longer suppresses anything. It
parses only what `terraform fmt` writes (top-level blocks open at column 0
and close with a lone `}`), which the infra tests already require.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

MIN_REASON = 20  # characters: "n/a" or "false positive" explain nothing

HEADER = re.compile(r'^(resource|data|provider|module)\s+"([^"]+)"(?:\s+"([^"]+)")?\s*\{\s*$')
CHECKOV = re.compile(r"#\s*checkov:skip=([A-Z0-9_]+)\s*(?::\s*(.*))?$")
TRIVY = re.compile(r"#\s*trivy:ignore:((?:AVD-)?[A-Z]+-\d+)\s*(.*)$")


@dataclass(frozen=True)
class Block:
    """A top-level block of a .tf file: `aws_sns_topic.alarms`, `data.x.y`, `provider.aws`."""

    file: str  # relative to the scanned root, e.g. modules/notifications/main.tf
    name: str
    start: int  # 1-based line of the header
    end: int  # 1-based line of the closing brace

    def covers(self, line: int) -> bool:
        return self.start <= line <= self.end


@dataclass(frozen=True)
class Suppression:
    tool: str  # "checkov" or "trivy"
    check_id: str  # as written
    reason: str
    file: str
    line: int
    block: Block

    @property
    def key(self) -> str:
        return normalise(self.check_id)

    @property
    def explained(self) -> bool:
        return len(self.reason.strip()) >= MIN_REASON


def normalise(check_id: str) -> str:
    """trivy reports AWS-0017 where its ignore comments may say AVD-AWS-0017."""
    return check_id.upper().removeprefix("AVD-")


def blocks_of(path: Path, rel: str) -> list[Block]:
    """Every top-level resource, data, provider and module block of one file."""
    found, lines = [], path.read_text().splitlines()
    for number, text in enumerate(lines, start=1):
        match = HEADER.match(text)
        if not match:
            continue
        kind, first, second = match.groups()
        name = {
            "resource": f"{first}.{second}",
            "data": f"data.{first}.{second}",
            "provider": f"provider.{first}",
            "module": f"module.{first}",
        }[kind]
        end = next(
            (n for n in range(number + 1, len(lines) + 1) if lines[n - 1].rstrip() == "}"),
            len(lines),
        )
        found.append(Block(rel, name, number, end))
    return found


def find(root: Path, *, exclude: tuple[str, ...] = ()) -> list[Suppression]:
    """Every inline suppression under `root` (paths relative to it), in file order.

    A checkov comment belongs to the block it sits in; a trivy comment to the
    block whose header follows the run of comment lines it is part of.
    Raises ValueError for a suppression outside any block: no tool would
    apply it, so it can only mislead.
    """
    result = []
    for path in sorted(root.rglob("*.tf")):
        rel = path.relative_to(root).as_posix()
        if any(rel == e or rel.startswith(f"{e}/") for e in exclude) or ".terraform" in rel:
            continue
        blocks = blocks_of(path, rel)
        lines = path.read_text().splitlines()
        for number, text in enumerate(lines, start=1):
            if match := CHECKOV.search(text):
                block = next((b for b in blocks if b.covers(number)), None)
                tool, check_id, reason = "checkov", match.group(1), match.group(2) or ""
            elif match := TRIVY.search(text):
                block = _block_below(blocks, lines, number)
                tool, check_id, reason = "trivy", match.group(1), match.group(2)
            else:
                continue
            if block is None:
                raise ValueError(f"{rel}:{number}: {tool} suppression outside any block: {text}")
            result.append(Suppression(tool, check_id, reason.strip(), rel, number, block))
    return result


def _block_below(blocks: list[Block], lines: list[str], number: int) -> Block | None:
    for below in range(number + 1, len(lines) + 1):
        if lines[below - 1].lstrip().startswith("#"):
            continue
        return next((b for b in blocks if b.start == below), None)
    return None


def strip(text: str) -> str:
    """The file with its suppressions blanked, lines kept in place (what the tools would report)."""
    lines = text.split("\n")
    return "\n".join("#" if TRIVY.search(x) or CHECKOV.search(x) else x for x in lines)
