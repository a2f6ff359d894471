"""Print what failed in a pytest JUnit XML report, one line a test.

`make test` runs two tiers side by side and ends on the rehearsal's log, so
a failure in the main tier would scroll out of sight; this prints it again at
the very end, with the first line of its message and how long it took
(setup included), so a CI log's tail names what broke.

    python -m tests.support.summary build/test-main.xml [build/test-rehearsal.xml]
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from pathlib import Path


def failures(report: Path) -> list[str]:
    """One line per failed or errored test case in ``report``."""
    lines = []
    for case in ET.parse(report).getroot().iter("testcase"):
        for outcome in ("failure", "error"):
            found = case.find(outcome)
            if found is None:
                continue
            name = f"{case.get('classname', '')}::{case.get('name', '')}"
            message = (found.get("message") or found.text or "").strip().splitlines()
            first = message[0][:300] if message else ""
            seconds = float(case.get("time") or 0)
            lines.append(f"{outcome.upper()} {name} ({seconds:.0f} s): {first}")
    return lines


def main(argv: list[str]) -> int:
    found = []
    for arg in argv:
        path = Path(arg)
        if not path.is_file():
            found.append(f"no report at {path}: that tier did not finish (see its log)")
            continue
        found.extend(failures(path))
    if found:
        print("==> what failed:", file=sys.stderr)
        for line in found:
            print(f"    {line}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
