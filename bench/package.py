"""Lambda-shaped artifacts for every variant the benchmarks start cold.

Ours is built by the real `build.py` in a copy of the tree (build.py,
buildlib/, functions/, api/) under a temporary folder, so `make bench`
never rewrites the working tree's build/ and times a cold and a no-op
build as a developer would see them.

The baselines get a function zip (their module from bench/baselines, plus
whatever their framework's own packager puts there: Chalice ships
chalice/app.py) and one layer with the runtime closure of their
distributions, copied out of bench/.venv and treated exactly as build.py
treats a wheel: the same files pruned, shared objects stripped, and
unchecked-hash bytecode compiled for the path the file has at run time.
The naive variant is the exception by design: our package and the full
SQLAlchemy, shipped with no bytecode at all.
"""

import importlib.metadata
import json
import shutil
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from buildlib import archive
from buildlib.spec import Target
from buildlib.wheels import DIST_INFO_DROP, PRUNE_DIRS, PRUNE_SUFFIXES, RUNTIME_PROVIDED

BENCH = Path(__file__).resolve().parent
TARGET = Target("python3.12", "x86_64")
TREE_PARTS = ("build.py", "buildlib", "functions", "api")
DB_DISTS = ("SQLAlchemy", "PyMySQL")


@dataclass(frozen=True)
class Variant:
    """One thing started cold: its zips, its handler, and whether it ships bytecode."""

    name: str
    label: str
    handler: str
    function_zip: Path
    layer_zips: tuple[Path, ...]
    bytecode: bool = True
    sizes: dict = field(default_factory=dict, compare=False)
    kind: str = "baseline"  # "ours": a build of functions/ (an api.zip)


@dataclass(frozen=True)
class Baseline:
    label: str
    module: str  # under bench/baselines/
    dists: tuple[str, ...]
    handler: str = "handler"
    bytecode: bool = True
    vendored: tuple[str, ...] = ()  # files from the venv that go into the function zip


BASELINES = {
    "stdlib": Baseline("bare stdlib handler", "stdlib_app", ()),
    "powertools": Baseline(
        "Powertools APIGatewayRestResolver + SQLAlchemy",
        "powertools_app",
        ("aws-lambda-powertools", *DB_DISTS),
    ),
    "chalice": Baseline(
        "Chalice + SQLAlchemy",
        "chalice_app",
        DB_DISTS,
        vendored=("chalice/__init__.py", "chalice/app.py"),
    ),
    "fastapi": Baseline(
        "FastAPI + Mangum + SQLAlchemy", "fastapi_app", ("fastapi", "mangum", *DB_DISTS)
    ),
    "naive": Baseline(
        "naive: our handler, ORM + everything at import, no bytecode",
        "naive_app",
        DB_DISTS,
        bytecode=False,
    ),
}
SHARED_MODULES = ("__init__.py", "common.py", "sql.py")
DB_BASELINES = ("naive", "chalice", "powertools", "fastapi")  # answer GET /v1/products


# ---------------------------------------------------------------- our tree


def copy_tree(source: Path, into: Path) -> Path:
    """Copy what build.py reads from `source` into `into`; return `into`."""
    into.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache", ".ruff_cache")
    for part in TREE_PARTS:
        path = source / part
        if path.is_dir():
            shutil.copytree(path, into / part, ignore=ignore)
        else:
            shutil.copy2(path, into / part)
    return into


def build_tree(source: Path, into: Path, noop_runs: int = 3, log=print) -> dict:
    """Build a copy of `source` cold, then again (no-op); return timings and the manifest."""
    root = copy_tree(source, into)

    def run() -> float:
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "build.py"], cwd=root, capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"build.py failed in {root}:\n{done.stderr}")
        return time.perf_counter() - started

    log(f"  building {source} (copy in {root})")
    cold = run()
    noop = [run() for _ in range(noop_runs)]
    manifest = json.loads((root / "build/manifest.json").read_text())
    return {"root": root, "manifest": manifest, "cold_s": cold, "noop_s": noop}


def ours(build: dict, name: str = "ours", label: str = "ours (built api.zip + deps layer)"):
    """Return the Variant of our built api function."""
    root, manifest = build["root"], build["manifest"]
    api = manifest["functions"]["api"]
    layers = tuple(root / manifest["layers"][n]["path"] for n in api["layers"])
    sizes = {
        "function_bytes": api["size"],
        "layer_bytes": sum(manifest["layers"][n]["size"] for n in api["layers"]),
        "unzipped_bytes": api["unzipped_size"]
        + sum(manifest["layers"][n]["unzipped_size"] for n in api["layers"]),
    }
    return Variant(name, label, api["handler"], root / api["path"], layers, True, sizes, "ours")


def without_bytecode(variant: Variant, out: Path) -> Variant:
    """Return the same artifact with every .pyc removed (how a zip without bytecode runs)."""
    out.mkdir(parents=True, exist_ok=True)
    zips = []
    for path in (variant.function_zip, *variant.layer_zips):
        files = _read_zip(path)
        files = {n: d for n, d in files.items() if "__pycache__/" not in n}
        target = out / f"{variant.name}-nopyc-{path.name}"
        target.write_bytes(archive.zip_bytes(files))
        zips.append(target)
    return Variant(
        f"{variant.name}_no_bytecode",
        f"{variant.label}, bytecode removed",
        variant.handler,
        zips[0],
        tuple(zips[1:]),
        False,
        {"function_bytes": zips[0].stat().st_size},
        variant.kind,
    )


# ---------------------------------------------------------------- baselines


def venv_site(venv: Path) -> Path:
    found = sorted(venv.glob("lib/python3.*/site-packages"))
    if not found:
        raise RuntimeError(f"{venv} has no site-packages; run `make bench` to create it")
    return found[0]


def closure(site: Path, names) -> list[importlib.metadata.Distribution]:
    """Return the distributions `names` need at run time (markers for this
    interpreter, no extras), leaving out what the Lambda runtime provides."""
    installed = {
        canonicalize_name(d.metadata["Name"]): d
        for d in importlib.metadata.distributions(path=[str(site)])
    }
    env = {**default_environment(), "extra": ""}
    wanted, todo = {}, [canonicalize_name(n) for n in names]
    while todo:
        key = todo.pop()
        if key in wanted or key in RUNTIME_PROVIDED:
            continue
        if key not in installed:
            raise RuntimeError(f"{key} is not installed in {site}; check bench/requirements.txt")
        wanted[key] = installed[key]
        for line in installed[key].requires or []:
            req = Requirement(line)
            if req.marker is None or req.marker.evaluate(env):
                todo.append(canonicalize_name(req.name))
    return [wanted[k] for k in sorted(wanted)]


def dist_files(dist: importlib.metadata.Distribution, site: Path) -> dict[str, bytes]:
    """Return what `dist` installed under site-packages, pruned as build.py prunes a wheel."""
    files = {}
    for entry in dist.files or []:
        parts = Path(entry).parts
        if not parts or parts[0] == ".." or Path(entry).is_absolute():
            continue  # console scripts and the like, outside site-packages
        if parts[0].endswith(".dist-info"):
            if parts[-1] in DIST_INFO_DROP:
                continue
        elif set(parts[:-1]) & PRUNE_DIRS or parts[-1].endswith(PRUNE_SUFFIXES):
            continue
        path = site / entry
        if path.is_file():
            files["/".join(parts)] = path.read_bytes()
    return files


def package_baseline(name: str, site: Path, out: Path, our_api_zip: Path) -> Variant:
    """Write the baseline's function and layer zips into `out`; return its Variant."""
    spec = BASELINES[name]
    source = BENCH / "baselines"
    task = {
        f"baselines/{m}": (source / m).read_bytes() for m in (*SHARED_MODULES, f"{spec.module}.py")
    }
    for rel in spec.vendored:
        task[rel] = (site / rel).read_bytes()
    if name == "naive":  # our package, as built, without its bytecode
        task.update({n: d for n, d in _read_zip(our_api_zip).items() if "__pycache__/" not in n})
    layer: dict[str, bytes] = {}
    for dist in closure(site, spec.dists):
        for rel, data in dist_files(dist, site).items():
            layer[f"python/{rel}"] = data
    archive.strip_shared_objects(layer, TARGET, f"{name} layer")
    if spec.bytecode:
        task.update(archive.compile_all(task, "/var/task/", TARGET, where=lambda n: None)[0])
        layer.update(archive.compile_all(layer, "/opt/", TARGET, where=lambda n: None)[0])
    out.mkdir(parents=True, exist_ok=True)
    function_zip, layer_zip = out / f"{name}.zip", out / f"{name}-layer.zip"
    function_zip.write_bytes(archive.zip_bytes(task))
    layers = ()
    if layer:
        layer_zip.write_bytes(archive.zip_bytes(layer))
        layers = (layer_zip,)
    sizes = {
        "function_bytes": function_zip.stat().st_size,
        "layer_bytes": sum(p.stat().st_size for p in layers),
        "unzipped_bytes": sum(map(len, task.values())) + sum(map(len, layer.values())),
    }
    handler = f"baselines.{spec.module}.{spec.handler}"
    return Variant(
        name, spec.label, handler, function_zip, layers, spec.bytecode, sizes, "baseline"
    )


# ---------------------------------------------------------------- helpers


def _read_zip(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist() if not i.is_dir()}
