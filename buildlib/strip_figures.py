"""What stripping debug sections saves in the layers: `make strip-figures`.

For every wheel of every layer that ships shared objects, the ELF files the
layer keeps (its `exclude` applied) are stripped exactly as `build.py` strips
them (`archive.strip_shared_objects`), and their sizes before and after go to
docs/results/strip.json, from which `make docs` renders docs/build.md's
figure. Reads the wheel cache `make build` fills (fetching a missing wheel as
the build would); writes nothing else.
"""

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from buildlib import archive, spec, wheels

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "results" / "strip.json"


def measure(root: Path = ROOT) -> dict:
    """{layer: {distribution: {"files", "bytes_before", "bytes_after"}}} for the build's target."""
    build = spec.load_spec(root)
    found: dict[str, dict] = {}
    for layer in build.layers.values():
        pins = spec.read_pins(layer, root)
        paths, _ = wheels.fetch(pins, build.target, log=lambda *_: None)
        excluded = spec.excluder(layer.exclude)
        for pin in pins:
            files = {
                name: data
                for name, data in wheels.unpack(paths[pin.key]).items()
                if not excluded(name) and archive.elf_machine(data)
            }
            if not files:
                continue
            before = sum(len(d) for d in files.values())
            archive.strip_shared_objects(files, build.target, f'layer "{layer.name}"')
            found.setdefault(layer.name, {})[pin.key] = {
                "version": pin.version,
                "files": len(files),
                "bytes_before": before,
                "bytes_after": sum(len(d) for d in files.values()),
            }
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "architecture": build.target.architecture,
        "layers": found,
    }


def main() -> int:
    result = measure()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=2) + "\n")
    for layer, dists in result["layers"].items():
        for name, d in dists.items():
            print(
                f"{layer}/{name}: {d['files']} shared objects, "
                f"{d['bytes_before']:,} -> {d['bytes_after']:,} bytes stripped"
            )
    print(f"wrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
