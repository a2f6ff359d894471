"""What to build, read from functions/functions.json and the requirements files.

Everything here is plain data and validation: no network, nothing written.
Every error names the file (and line) to fix. The input hashes computed here
decide whether an artifact is rebuilt, so they cover exactly what goes into it.
"""

import hashlib
import json
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from packaging.tags import Tag, compatible_tags, cpython_tags
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from buildlib import BuildError

# glibc of the OS image under each runtime (python3.12+ run on Amazon Linux 2023).
RUNTIME_GLIBC = {
    "python3.10": (2, 26),
    "python3.11": (2, 26),
    "python3.12": (2, 34),
    "python3.13": (2, 34),
}
# Lambda's architecture name -> the machine name in wheel tags and ELF headers.
ARCHITECTURES = {"x86_64": "x86_64", "arm64": "aarch64"}
# Where the API contract lives; a function with "contract" ships it as JSON.
CONTRACT_SOURCE = "api/openapi.yaml"
# Never shipped from functions/: caches, editor and VCS droppings.
JUNK_DIRS = {"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache"}
JUNK_SUFFIXES = (".pyc", ".pyo")

PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([A-Za-z0-9.!+_-]+)$")


@dataclass(frozen=True)
class Target:
    """The Lambda runtime and architecture every artifact is built for."""

    runtime: str
    architecture: str

    @property
    def python(self) -> tuple[int, int]:
        major, minor = self.runtime.removeprefix("python").split(".")
        return int(major), int(minor)

    @property
    def machine(self) -> str:
        return ARCHITECTURES[self.architecture]

    @property
    def platforms(self) -> list[str]:
        """Returns the manylinux platform tags the runtime's glibc can load, newest first."""
        major, newest = RUNTIME_GLIBC[self.runtime]
        oldest = 17 if self.machine == "aarch64" else 5
        tags = [
            f"manylinux_{major}_{minor}_{self.machine}" for minor in range(newest, oldest - 1, -1)
        ]
        legacy = {"manylinux2014": 17, "manylinux2010": 12, "manylinux1": 5}
        return tags + [f"{n}_{self.machine}" for n, m in legacy.items() if m >= oldest]

    @cached_property
    def tags(self) -> tuple[Tag, ...]:
        """Returns every wheel tag that installs on this target, most preferred first."""
        py, plats = self.python, self.platforms
        abi = f"cp{py[0]}{py[1]}"
        specific = cpython_tags(py, abis=[abi], platforms=plats)
        return (*specific, *compatible_tags(py, interpreter=abi, platforms=plats))

    @property
    def label(self) -> str:
        return f"cp{self.python[0]}{self.python[1]} {self.platforms[0]}"


@dataclass(frozen=True)
class Pin:
    name: str
    version: str
    where: str  # "functions/requirements.txt:3", for messages

    @property
    def key(self) -> str:
        return canonicalize_name(self.name)


@dataclass(frozen=True)
class Layer:
    name: str
    requirements: Path
    exclude: tuple[str, ...]  # globs relative to the layer's python/ folder
    entry: dict


@dataclass(frozen=True)
class Function:
    name: str
    handler: str
    packages: tuple[str, ...]
    exclude: tuple[str, ...]
    contract: str | None
    layers: tuple[str, ...]
    budget_mb: float | None
    entry: dict


@dataclass(frozen=True)
class Spec:
    root: Path
    target: Target
    layers: dict[str, Layer]
    functions: dict[str, Function]

    @property
    def src(self) -> Path:
        return self.root / "functions"


def load_spec(root: Path, architecture: str | None = None) -> Spec:
    """Returns the validated spec of functions/functions.json under `root`."""
    path = root / "functions" / "functions.json"
    try:
        raw = json.loads(path.read_text())
    except FileNotFoundError as exc:
        raise BuildError(f"{path}: not found (is --root the repository root?)") from exc
    except json.JSONDecodeError as exc:
        raise BuildError(f"{path}:{exc.lineno}: invalid JSON: {exc.msg}") from exc
    return parse_spec(raw, root, architecture)


def parse_spec(raw: object, root: Path, architecture: str | None = None) -> Spec:
    """Returns the validated spec; `architecture` overrides the one in functions.json."""
    where = "functions/functions.json"
    if not isinstance(raw, dict):
        raise BuildError(f"{where}: expected a JSON object")
    runtime = raw.get("runtime")
    if runtime not in RUNTIME_GLIBC:
        raise BuildError(f'{where}: runtime "{runtime}" is not one of {sorted(RUNTIME_GLIBC)}')
    arch = architecture or raw.get("architecture")
    if arch not in ARCHITECTURES:
        raise BuildError(f'{where}: architecture "{arch}" is not one of {sorted(ARCHITECTURES)}')
    layers = {}
    for name, entry in sorted(_section(raw, "layers", where).items()):
        req = entry.get("requirements")
        if not isinstance(req, str) or not req or ".." in Path(req).parts:
            raise BuildError(f"{where}: layers.{name}.requirements must name a file in functions/")
        exclude = _strings(entry, "exclude", f"{where}: layers.{name}")
        layers[name] = Layer(name, root / "functions" / req, exclude, entry)
    functions = {}
    for name, entry in sorted(_section(raw, "functions", where).items()):
        functions[name] = _function(name, entry, layers, f"{where}: functions.{name}")
    if not functions:
        raise BuildError(f"{where}: no functions")
    return Spec(root, Target(runtime, arch), layers, functions)


def _section(raw: dict, key: str, where: str) -> dict[str, dict]:
    section = raw.get(key, {})
    if not isinstance(section, dict) or not all(isinstance(v, dict) for v in section.values()):
        raise BuildError(f"{where}: {key} must map names to objects")
    return section


def _strings(entry: dict, key: str, where: str) -> tuple[str, ...]:
    value = entry.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise BuildError(f"{where}.{key} must be a list of strings")
    return tuple(value)


def _function(name: str, entry: dict, layers: dict, where: str) -> Function:
    handler = entry.get("handler", "")
    if not isinstance(handler, str) or not re.fullmatch(r"[A-Za-z_][\w.]*\.[A-Za-z_]\w*", handler):
        raise BuildError(f'{where}.handler "{handler}" is not "module.path.function"')
    packages = _strings(entry, "packages", where)
    if not packages or any(".." in Path(p).parts for p in packages):
        raise BuildError(f"{where}.packages must list directories or files in functions/")
    for layer in _strings(entry, "layers", where):
        if layer not in layers:
            known = ", ".join(layers) or "none"
            raise BuildError(f'{where}.layers: unknown layer "{layer}" (known: {known})')
    budget = entry.get("budget_mb")
    if budget is not None and (
        isinstance(budget, bool) or not isinstance(budget, int | float) or budget <= 0
    ):
        raise BuildError(f"{where}.budget_mb must be a positive number of MiB")
    contract = entry.get("contract")
    if contract is not None and not (isinstance(contract, str) and contract.endswith(".json")):
        raise BuildError(f"{where}.contract must be a path ending in .json inside the zip")
    return Function(
        name=name,
        handler=handler,
        packages=packages,
        exclude=_strings(entry, "exclude", where),
        contract=contract,
        layers=_strings(entry, "layers", where),
        budget_mb=budget,
        entry=entry,
    )


def read_pins(layer: Layer, root: Path) -> list[Pin]:
    """Returns the layer's pins; raises unless the file exists and every line is pinned."""
    rel = layer.requirements.relative_to(root).as_posix()
    try:
        text = layer.requirements.read_text()
    except FileNotFoundError as exc:
        raise BuildError(f'{rel}: not found (requirements of layer "{layer.name}")') from exc
    return parse_pins(text, rel, layer.name)


def parse_pins(text: str, rel: str, layer: str) -> list[Pin]:
    """Returns the pins in a requirements text; raises naming the line unless it is name==version.

    Everything is pinned explicitly (wheels are installed with --no-deps), so
    ranges, bare names, URLs, paths, editables and pip options are refused.
    """
    pins: dict[str, Pin] = {}
    for number, raw_line in enumerate(text.splitlines(), start=1):
        line = raw_line.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        where = f"{rel}:{number}"
        match = PIN.match(line)
        if line.startswith(("-e", "--editable")):
            problem = "is an editable install; pin name==version from the index"
        elif line.startswith("-"):
            problem = "is a pip option; only name==version lines are allowed"
        elif "://" in line or "@" in line or line.startswith(("/", ".")):
            problem = "is a URL or a path; pin name==version from the index"
        elif not match:
            problem = "is not pinned; write name==version (every dependency, transitive ones too)"
        else:
            problem = ""
        if problem:
            raise BuildError(f'{where}: "{line}" {problem}')
        pin = Pin(match.group(1), match.group(2), where)
        try:
            Version(pin.version)
        except InvalidVersion as exc:
            raise BuildError(f'{where}: "{pin.version}" is not a valid version') from exc
        if pin.key in pins:
            raise BuildError(f"{where}: {pin.name} is already pinned at {pins[pin.key].where}")
        pins[pin.key] = pin
    if not pins:
        raise BuildError(f'{rel}: no requirements (layer "{layer}" would be empty)')
    return list(pins.values())


def glob_regex(pattern: str) -> re.Pattern:
    """Returns a regex for a glob relative to functions/: `*` stays in one folder, `**` spans."""
    out = ""
    for part in re.split(r"(\*\*/|\*\*|\*|\?)", pattern):
        out += {"**/": "(?:.*/)?", "**": ".*", "*": "[^/]*", "?": "[^/]"}.get(part, re.escape(part))
    return re.compile(out)


def excluder(patterns: tuple[str, ...]):
    """Returns a test of whether a relative path, or a folder above it, matches a pattern."""
    regexes = [glob_regex(p) for p in patterns]

    def excluded(rel: str) -> bool:
        parts = rel.split("/")
        prefixes = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
        return any(rx.fullmatch(p) for rx in regexes for p in prefixes)

    return excluded


def source_files(spec: Spec, function: Function) -> dict[str, Path]:
    """Returns {path inside the zip: file} for the function's packages, after exclusion."""
    excluded = excluder(function.exclude)
    files = {}
    for package in function.packages:
        top = spec.src / package
        if not top.is_dir() and not top.is_file():
            raise BuildError(
                f"functions/functions.json: functions.{function.name}.packages: "
                f"functions/{package} is neither a directory nor a file"
            )
        # A file ships alone: one shared module without the rest of its package.
        for path in sorted(top.rglob("*")) if top.is_dir() else [top]:
            rel = path.relative_to(spec.src).as_posix()
            parts = rel.split("/")
            if path.is_dir() or any(p in JUNK_DIRS or p.startswith(".") for p in parts):
                continue
            if rel.endswith(JUNK_SUFFIXES) or any(p.endswith(".egg-info") for p in parts):
                continue
            if not excluded(rel):
                files[rel] = path
    return files


def input_hash(target: Target, builder: str, entry: dict, files: dict[str, bytes]) -> str:
    """Returns the hex sha256 of everything an artifact is built from."""
    head = {
        "builder": builder,
        "runtime": target.runtime,
        "architecture": target.architecture,
        "entry": entry,
    }
    digest = hashlib.sha256(json.dumps(head, sort_keys=True).encode())
    for name in sorted(files):
        digest.update(f"\0{name}\0{hashlib.sha256(files[name]).hexdigest()}".encode())
    return digest.hexdigest()
