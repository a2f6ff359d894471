"""The build steps: plan, build or reuse each artifact, check, then commit to build/.

Every artifact is built into a temp folder under build/; only when all of them
are built and every check passed are they moved into place, the manifest last.
Any failure before that leaves build/ exactly as it was. Reuse needs both an
unchanged input hash and an intact zip (the sha256 the manifest recorded).
"""

import hashlib
import json
import os
import platform
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

from buildlib import BuildError, archive, lock, wheels
from buildlib.spec import (
    CONTRACT_SOURCE,
    excluder,
    input_hash,
    load_spec,
    read_pins,
    source_files,
)

MIB = 2**20
LAMBDA_ZIP_LIMIT = 50 * MIB  # direct upload, per zip
LAMBDA_UNZIPPED_LIMIT = 250 * MIB  # function plus all its layers
DEFAULT_BUDGETS_MB = {"api": 5}  # the project's own: function plus its layers, zipped
MANIFEST_FORMAT = 1


@dataclass
class Artifact:
    kind: str  # "layer" or "function"
    name: str
    entry: dict  # what the manifest records
    file: Path  # the zip: in the temp dir when built, in build/ when reused
    reused: bool
    seconds: float = 0.0
    downloaded: tuple[str, ...] = ()  # wheels fetched from the index for this layer


def builder_version() -> str:
    """Returns a hash of the builder's own code and Python, so a new builder rebuilds."""
    digest = hashlib.sha256(platform.python_version().encode())
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_manifest(path: Path, target) -> dict:
    """Returns the previous manifest when it was built for the same target, else an empty one."""
    try:
        old = json.loads(path.read_text())
    except (OSError, ValueError):
        return {"layers": {}, "functions": {}}
    same = (old.get("format"), old.get("runtime"), old.get("architecture")) == (
        MANIFEST_FORMAT,
        target.runtime,
        target.architecture,
    )
    return old if same else {"layers": {}, "functions": {}}


def reusable(old: dict, digest: str, file: Path) -> dict | None:
    """Returns the old entry when its inputs are unchanged and its zip is intact on disk."""
    intact = old and old.get("input_hash") == digest and file.is_file()
    return old if intact and file_sha256(file) == old.get("sha256") else None


def build_layer(spec, layer, old: dict, out: Path, tmp: Path, builder: str, log) -> Artifact:

    pins = read_pins(layer, spec.root)
    rel = layer.requirements.relative_to(spec.root).as_posix()
    entry = {"layer": layer.name, **layer.entry}
    digest = input_hash(spec.target, builder, entry, {rel: layer.requirements.read_bytes()})
    final = out / f"{layer.name}.zip"
    if found := reusable(old.get(layer.name), digest, final):
        return Artifact("layer", layer.name, found, final, reused=True)
    started = time.monotonic()
    found_wheels, downloaded = wheels.fetch(pins, spec.target, log)
    files: dict[str, bytes] = {}
    excluded = excluder(layer.exclude)
    for pin in pins:
        wheels.check_wheel(found_wheels[pin.key], pin, spec.target)
        for name, data in wheels.unpack(found_wheels[pin.key]).items():
            if excluded(name):
                continue
            if f"python/{name}" in files:
                raise BuildError(f'layer "{layer.name}": two wheels install {name}')
            files[f"python/{name}"] = data
    archive.strip_shared_objects(files, spec.target, f'layer "{layer.name}"')
    pycs, _ = archive.compile_all(files, "/opt/", spec.target, where=lambda name: None)
    files.update(pycs)
    entry = {
        "path": f"build/{layer.name}.zip",
        "input_hash": digest,
        "runtime": spec.target.runtime,
        "architecture": spec.target.architecture,
    }
    art = _write(tmp, "layer", layer.name, files, entry, started)
    art.downloaded = tuple(downloaded)
    return art


def build_function(spec, fn, old: dict, out: Path, tmp: Path, builder: str) -> Artifact:
    sources = {rel: path.read_bytes() for rel, path in source_files(spec, fn).items()}
    hashed = dict(sources)
    if fn.contract:
        try:
            contract = (spec.root / CONTRACT_SOURCE).read_bytes()
        except FileNotFoundError as exc:
            raise BuildError(
                f'function "{fn.name}" ships the contract, but {CONTRACT_SOURCE} is missing'
            ) from exc
        hashed[f"contract:{CONTRACT_SOURCE}"] = contract
    digest = input_hash(spec.target, builder, {"function": fn.name, **fn.entry}, hashed)
    final = out / f"{fn.name}.zip"
    if found := reusable(old.get(fn.name), digest, final):
        return Artifact("function", fn.name, found, final, reused=True)
    started = time.monotonic()
    files = dict(sources)
    if fn.contract:
        if fn.contract in files:
            raise BuildError(
                f'function "{fn.name}": contract path {fn.contract} clashes with '
                f"functions/{fn.contract}"
            )
        files[fn.contract] = contract_json(contract)
    module = fn.handler.rpartition(".")[0].replace(".", "/")
    if f"{module}.py" not in files and f"{module}/__init__.py" not in files:
        raise BuildError(
            f'function "{fn.name}": handler {fn.handler} needs functions/{module}.py, '
            "which is missing or excluded (functions/functions.json)"
        )
    archive.strip_shared_objects(files, spec.target, f'function "{fn.name}"')
    pycs, _ = archive.compile_all(
        files, "/var/task/", spec.target, where=lambda n: f"functions/{n}" if n in sources else None
    )
    files.update(pycs)
    entry = {
        "path": f"build/{fn.name}.zip",
        "input_hash": digest,
        "handler": fn.handler,
        "runtime": spec.target.runtime,
        "architecture": spec.target.architecture,
        "layers": list(fn.layers),
    }
    return _write(tmp, "function", fn.name, files, entry, started)


def contract_json(yaml_text: bytes) -> bytes:
    """Returns the OpenAPI document as compact JSON (what the router reads at run time)."""
    try:
        document = yaml.safe_load(yaml_text)
    except yaml.YAMLError as exc:
        raise BuildError(f"api/openapi.yaml: invalid YAML: {exc}") from exc
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def _write(tmp: Path, kind: str, name: str, files: dict, entry: dict, started: float) -> Artifact:
    data = archive.zip_bytes(files)
    file = tmp / f"{name}.zip"
    file.write_bytes(data)
    entry.update(archive.describe(data, files))
    return Artifact(kind, name, entry, file, reused=False, seconds=time.monotonic() - started)


def check_layers_satisfy(spec, functions, artifacts: dict) -> None:
    """Raises unless every function's layers, together, meet all their dists' Requires-Dist."""
    dists_of = {n: wheels.layer_dists(a.file, n) for (k, n), a in artifacts.items() if k == "layer"}
    for fn in functions:
        union: dict = {}
        problems = []
        for layer in fn.layers:
            for key, dist in dists_of[layer].items():
                if key in union and union[key][1] != dist[1]:
                    problems.append(f"{union[key][0]} conflicts with {dist[0]}")
                union[key] = dist
        problems += wheels.missing_requirements(union, spec.target)
        if problems:
            attached = ", ".join(fn.layers) or "none"
            listed = "\n  ".join(problems)
            raise BuildError(
                f'function "{fn.name}" (layers: {attached}) lacks dependencies:\n  {listed}'
            )


def check_budgets(functions, artifacts: dict, budgets: dict) -> None:
    """Raises when an artifact breaks Lambda's limits or the project's own budget."""
    for artifact in artifacts.values():
        if artifact.entry["size"] > LAMBDA_ZIP_LIMIT:
            raise BuildError(
                f"{artifact.entry['path']} is {mib(artifact.entry['size'])} zipped; "
                f"Lambda takes at most 50 MiB ({LAMBDA_ZIP_LIMIT} bytes) per zip"
            )
    for fn in functions:
        parts = [artifacts["function", fn.name]] + [artifacts["layer", n] for n in fn.layers]
        unzipped = sum(a.entry["unzipped_size"] for a in parts)
        if unzipped > LAMBDA_UNZIPPED_LIMIT:
            raise BuildError(
                f'function "{fn.name}" is {mib(unzipped)} unzipped with its layers '
                f"({_sizes(parts, 'unzipped_size')}); Lambda allows at most 250 MiB "
                f"({LAMBDA_UNZIPPED_LIMIT} bytes)"
            )
        budget = budgets.get(fn.name) or fn.budget_mb or DEFAULT_BUDGETS_MB.get(fn.name)
        zipped = sum(a.entry["size"] for a in parts)
        if budget and zipped > budget * MIB:
            raise BuildError(
                f'function "{fn.name}" is {mib(zipped)} zipped with its layers '
                f"({_sizes(parts, 'size')}), over the project budget of {budget} MiB "
                f"({int(budget * MIB)} bytes); raise functions.{fn.name}.budget_mb in "
                f"functions/functions.json or pass --budget {fn.name}=MIB"
            )


def _sizes(parts, key: str) -> str:
    return " + ".join(f"{Path(a.entry['path']).name} {mib(a.entry[key])}" for a in parts)


def mib(size: int) -> str:
    return f"{size / MIB:.2f} MiB"


def build(root: Path, arch=None, names=(), budgets=None, log=print) -> dict:
    """Builds what `names` select (all functions by default); returns a summary for --json.

    Raises BuildError with nothing in build/ changed when any input or check fails.
    Waits while another build of the same tree runs (buildlib.lock).
    """
    with lock.exclusive(root, log=log):
        return _build(root, arch, names, budgets, log)


def _build(root: Path, arch, names, budgets, log) -> dict:
    started = time.monotonic()
    spec = load_spec(root, arch)
    for name in names:
        if name not in spec.functions:
            raise BuildError(
                f'unknown function "{name}" (functions/functions.json has: '
                f"{', '.join(spec.functions)})"
            )
    functions = [spec.functions[n] for n in sorted(set(names) or spec.functions)]
    layer_names = sorted({n for fn in functions for n in fn.layers})
    out = root / "build"
    existed = out.is_dir()
    old = read_manifest(out / "manifest.json", spec.target)
    out.mkdir(exist_ok=True)
    remove_abandoned(out)
    tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{os.getpid()}-", dir=out))
    try:
        builder = builder_version()
        artifacts: dict[tuple[str, str], Artifact] = {}
        for name in layer_names:
            art = build_layer(spec, spec.layers[name], old["layers"], out, tmp, builder, log)
            artifacts["layer", name] = report(art, log)
        for fn in functions:
            art = build_function(spec, fn, old["functions"], out, tmp, builder)
            artifacts["function", fn.name] = report(art, log)
        check_layers_satisfy(spec, functions, artifacts)
        check_budgets(functions, artifacts, budgets or {})
        manifest = commit(out, tmp, old, artifacts, spec.target, full=not names)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if not existed:
            shutil.rmtree(out, ignore_errors=True)
        raise
    shutil.rmtree(tmp, ignore_errors=True)
    built = sum(not a.reused for a in artifacts.values())
    seconds = time.monotonic() - started
    log(
        f"manifest  build/manifest.json  {len(manifest['layers'])} layer(s), "
        f"{len(manifest['functions'])} function(s); {built} built, "
        f"{len(artifacts) - built} reused in {seconds:.2f} s"
    )
    return {
        "manifest": "build/manifest.json",
        "runtime": spec.target.runtime,
        "architecture": spec.target.architecture,
        "seconds": round(seconds, 3),
        "artifacts": [
            {
                "kind": a.kind,
                "name": a.name,
                "reused": a.reused,
                "seconds": round(a.seconds, 3),
                "downloaded": list(a.downloaded),
                **a.entry,
            }
            for a in artifacts.values()
        ],
    }


def remove_abandoned(out: Path) -> None:
    """Removes temp folders left in build/ by builds that were killed (their pid is gone)."""
    for folder in out.glob(".tmp-*-*"):
        pid = folder.name.split("-")[1]
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except (ValueError, PermissionError):
            pass  # not ours to judge, or a live process of another user


def report(art: Artifact, log) -> Artifact:
    state = "reused" if art.reused else f"built in {art.seconds:.2f} s"
    log(
        f"{art.kind:<9} {art.name:<10} {art.entry['path']:<21} {mib(art.entry['size']):>10} zipped "
        f"{mib(art.entry['unzipped_size']):>10} unzipped  {state}"
    )
    return art


def commit(out: Path, tmp: Path, old: dict, artifacts: dict, target, full: bool) -> dict:
    """Moves the new zips into build/, then the manifest; returns the manifest written.

    A partial build (named functions) keeps the other entries of the old manifest.
    """
    sections = (
        {"layers": {}, "functions": {}}
        if full
        else {"layers": dict(old["layers"]), "functions": dict(old["functions"])}
    )
    for (kind, name), art in sorted(artifacts.items()):
        sections[f"{kind}s"][name] = art.entry
    manifest = {
        "format": MANIFEST_FORMAT,
        "runtime": target.runtime,
        "architecture": target.architecture,
        **sections,
    }
    for art in artifacts.values():
        if not art.reused:
            os.replace(art.file, out / art.file.name)
    text = json.dumps(manifest, indent=2, sort_keys=True) + "\n"
    target_file = out / "manifest.json"
    if not target_file.is_file() or target_file.read_text() != text:  # keep mtime on a no-op
        (tmp / "manifest.json").write_text(text)
        os.replace(tmp / "manifest.json", target_file)
    kept = {e["path"] for section in ("layers", "functions") for e in manifest[section].values()}
    for section in ("layers", "functions"):
        for entry in old[section].values():
            stale = entry.get("path", "")
            if stale not in kept and stale.startswith("build/") and stale.count("/") == 1:
                (out.parent / stale).unlink(missing_ok=True)
    return manifest
