"""Wheels for a layer: fetched by pip for the Lambda target, cached, checked, unpacked.

pip only downloads (never installs): `--platform/--implementation/
--python-version/--only-binary=:all: --no-deps`, so what lands in a layer is
exactly the pinned wheels for the runtime's Python and architecture, never an
sdist built for this machine. The cache lives outside build/ (`make clean`
keeps it) and is keyed by target, so a repeat build never asks the network.
"""

import os
import re
import subprocess
import sys
import zipfile
from email.message import Message
from email.parser import HeaderParser
from pathlib import Path
from typing import BinaryIO

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename
from packaging.version import Version

from buildlib import BuildError
from buildlib.spec import Pin, Target

# What the Lambda Python runtime provides: counts as met (ship one only by pinning it).
RUNTIME_PROVIDED = {
    "boto3",
    "botocore",
    "jmespath",
    "s3transfer",
    "python-dateutil",
    "six",
    "urllib3",
}
# Pruned from wheels: not needed to run, only to develop.
PRUNE_DIRS = {"tests", "test", "docs", "doc", "__pycache__"}
PRUNE_SUFFIXES = (".pyc", ".pyo", ".pyi", ".pyx", ".pxd", ".c", ".h", ".cpp", "py.typed")
DIST_INFO_DROP = {"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"}


def cache_dir(target: Target) -> Path:
    """Returns the wheel cache folder for this target ($SHOP_BUILD_CACHE overrides the root)."""
    base = os.environ.get("SHOP_BUILD_CACHE") or Path(
        os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache", "shop-build"
    )
    return Path(base) / "wheels" / f"cp{target.python[0]}{target.python[1]}-{target.platforms[0]}"


# pip only downloads; everything is pinned, so nothing is resolved (--no-deps).
PIP_DOWNLOAD = (
    "download",
    "--quiet",
    "--disable-pip-version-check",
    "--no-deps",
    "--only-binary=:all:",
    "--implementation",
    "cp",
)


def _cached(folder: Path, pin: Pin, target: Target) -> Path | None:
    """Returns the cached wheel of the pin that pip would prefer for the target, if any."""
    rank = {tag: i for i, tag in enumerate(target.tags)}
    found = []
    for path in folder.glob("*.whl"):
        try:
            name, version, _, tags = parse_wheel_filename(path.name)
        except InvalidWheelFilename:
            continue
        fits = [rank[t] for t in tags if t in rank]
        if name == pin.key and version == Version(pin.version) and fits:
            found.append((min(fits), path.name, path))
    return min(found)[2] if found else None


def fetch(pins: list[Pin], target: Target, log) -> tuple[dict[str, Path], list[str]]:
    """Returns ({pin key: wheel file}, names of wheels downloaded now); raises if pip fails."""
    folder = cache_dir(target)
    folder.mkdir(parents=True, exist_ok=True)
    missing = [p for p in pins if _cached(folder, p, target) is None]
    if missing:
        wanted = [f"{p.name}=={p.version}" for p in missing]
        log(f"downloading {', '.join(wanted)} for {target.label} into {folder}")
        py = f"{target.python[0]}.{target.python[1]}"
        platforms = [arg for plat in target.platforms for arg in ("--platform", plat)]
        cmd = [sys.executable, "-m", "pip", *PIP_DOWNLOAD, "--python-version", py, *platforms]
        run = subprocess.run(
            [*cmd, "--dest", str(folder), *wanted], capture_output=True, text=True, check=False
        )
        if run.returncode != 0:
            detail = "\n  ".join(run.stderr.strip().splitlines()[-6:])
            raise BuildError(
                f"pip could not download {', '.join(wanted)} as wheels for {target.label} "
                f"(sdists are refused; is there a manylinux wheel of that release?):\n  {detail}"
            )
    wheels, downloaded = {}, []
    for pin in pins:
        path = _cached(folder, pin, target)
        if path is None:
            raise BuildError(
                f"{pin.where}: pip found no wheel of {pin.name}=={pin.version} for {target.label}"
            )
        wheels[pin.key] = path
        if pin in missing:
            downloaded.append(path.name)
    return wheels, downloaded


def wheel_problem(filename: str, target: Target) -> str | None:
    """Returns why a wheel file name cannot install on the target, or None if it can."""
    try:
        _, _, _, tags = parse_wheel_filename(filename)
    except InvalidWheelFilename:
        return f"{filename} is not a wheel (an sdist?); only wheels are installed"
    if not tags & set(target.tags):
        return f"{filename} is not for {target.label} (tags: {', '.join(sorted(map(str, tags)))})"
    return None


def check_wheel(path: Path, pin: Pin, target: Target) -> None:
    """Raises unless the wheel installs on the target and supports its Python."""
    problem = wheel_problem(path.name, target)
    if problem:
        raise BuildError(f"{pin.where}: {problem}")
    requires_python = metadata(path).get("Requires-Python")
    if requires_python and not SpecifierSet(requires_python).contains(python_full(target), True):
        raise BuildError(
            f"{pin.where}: {pin.name} {pin.version} needs Python {requires_python}, "
            f"the runtime is {target.runtime}"
        )


def python_full(target: Target) -> str:
    """Returns the runtime's Python version for markers (the builder's patch level)."""
    return f"{target.python[0]}.{target.python[1]}.{sys.version_info.micro}"


def metadata(path: Path) -> Message:
    """Returns the METADATA headers of a wheel file; raises if the file is damaged."""
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise BuildError(f"{path} is damaged; delete it and build again") from exc
    with zf:
        names = [n for n in zf.namelist() if re.fullmatch(r"[^/]+\.dist-info/METADATA", n)]
        if len(names) != 1:
            raise BuildError(f"{path}: expected one .dist-info/METADATA, found {len(names)}")
        return HeaderParser().parsestr(zf.read(names[0]).decode("utf-8"))


def layer_dists(path: Path, layer: str) -> dict[str, tuple[str, str, list[str]]]:
    """Returns {canonical name: (who, version, Requires-Dist)} of the dists in a layer zip."""
    dists = {}
    with zipfile.ZipFile(path) as zf:
        for name in sorted(zf.namelist()):
            if re.fullmatch(r"python/[^/]+\.dist-info/METADATA", name):
                meta = HeaderParser().parsestr(zf.read(name).decode("utf-8"))
                who = f'{meta["Name"]} {meta["Version"]} (layer "{layer}")'
                dists[canonicalize_name(meta["Name"])] = (
                    who,
                    meta["Version"],
                    meta.get_all("Requires-Dist") or [],
                )
    return dists


def unpack(path: Path | BinaryIO) -> dict[str, bytes]:
    """Returns {relative path: bytes} of what the wheel installs, without dev-only files."""
    files = {}
    with zipfile.ZipFile(path) as zf:
        for info in sorted(zf.infolist(), key=lambda i: i.filename):
            name = info.filename
            if info.is_dir() or name.startswith("/") or ".." in name.split("/"):
                continue
            parts = name.split("/")
            if parts[0].endswith(".data"):
                if len(parts) < 3 or parts[1] not in ("purelib", "platlib"):
                    continue  # scripts, headers and data do not run in Lambda
                parts = parts[2:]
            if parts[0].endswith(".dist-info"):
                if parts[-1] in DIST_INFO_DROP:
                    continue
            elif set(parts[:-1]) & PRUNE_DIRS or parts[-1].endswith(PRUNE_SUFFIXES):
                continue
            files["/".join(parts)] = zf.read(info)
    return files


def missing_requirements(dists: dict[str, tuple[str, str, list[str]]], target: Target) -> list[str]:
    """Returns what the dists' Requires-Dist need but no dist provides (empty when all met).

    `dists` is the union of layer_dists() over the layers a function attaches.
    Markers are evaluated for the target with no extras; what the runtime
    provides (boto3 and its dependencies) counts as met.
    """
    env = {
        "python_version": f"{target.python[0]}.{target.python[1]}",
        "python_full_version": python_full(target),
        "sys_platform": "linux",
        "platform_system": "Linux",
        "platform_machine": target.machine,
        "os_name": "posix",
        "implementation_name": "cpython",
        "platform_python_implementation": "CPython",
        "extra": "",
    }
    problems = []
    for _key, (who, _version, requires) in sorted(dists.items()):
        for line in requires:
            try:
                req = Requirement(line)
            except InvalidRequirement:
                problems.append(f'{who}: cannot parse Requires-Dist "{line}"')
                continue
            if req.marker is not None and not req.marker.evaluate(env):
                continue
            dep = canonicalize_name(req.name)
            if dep not in dists:
                if dep not in RUNTIME_PROVIDED:
                    problems.append(f"{who} requires {req}, which no attached layer provides")
            elif not req.specifier.contains(dists[dep][1], prereleases=True):
                problems.append(f"{who} requires {req}, but {dists[dep][0]} is attached")
    return problems
