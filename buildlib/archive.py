"""Turn a set of files into a deterministic, fast-starting Lambda zip.

The zip's bytes depend only on the files' paths and contents: entries sorted,
one fixed timestamp, fixed permissions, no directory entries, no extra fields.
Bytecode is hash-based and unchecked (timestamp .pyc would be invalid once the
timestamps are fixed, and Lambda's read-only /var/task could not cache new
ones), compiled for the path the file has at run time so tracebacks read
/var/task/... or /opt/python/.... Shared objects lose their debug sections.
"""

import hashlib
import importlib.util
import io
import marshal
import platform
import shutil
import subprocess
import tempfile
import zipfile
from base64 import b64encode
from pathlib import Path

from buildlib import BuildError
from buildlib.spec import Target

FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip can hold
FILE_MODE = 0o100644 << 16  # regular file, rw-r--r--
ELF_MACHINES = {0x3E: "x86_64", 0xB7: "aarch64"}
UNCHECKED_HASH = (0b01).to_bytes(4, "little")  # PEP 552: hash-based, do not check the source


def compile_all(
    files: dict[str, bytes], run_root: str, target: Target, where
) -> tuple[dict[str, bytes], list[str]]:
    """Returns ({__pycache__ path: pyc} for every .py file, files left uncompiled).

    `run_root` is where the files live at run time ("/var/task/" or "/opt/").
    `where(path)` names the source for an error message (a syntax error then
    raises BuildError), or returns None when a failure is tolerated: a .py
    inside a wheel that never compiled (a template) is shipped as it is.
    """
    tag = f"cpython-{target.python[0]}{target.python[1]}"
    out, skipped = {}, []
    for name in sorted(files):
        if not name.endswith(".py"):
            continue
        source = files[name]
        try:
            code = compile(source, run_root + name, "exec", dont_inherit=True, optimize=0)
        except (SyntaxError, ValueError) as exc:
            shown = where(name)
            if shown is None:
                skipped.append(name)
                continue
            line = f":{exc.lineno}" if getattr(exc, "lineno", None) else ""
            raise BuildError(
                f"{shown}{line}: {type(exc).__name__}: {getattr(exc, 'msg', exc)}"
            ) from exc
        folder, _, filename = name.rpartition("/")
        pyc = f"{folder}/__pycache__/{filename[:-3]}.{tag}.pyc".lstrip("/")
        out[pyc] = (
            importlib.util.MAGIC_NUMBER
            + UNCHECKED_HASH
            + importlib.util.source_hash(source)
            + marshal.dumps(code)
        )
    return out, skipped


def elf_machine(data: bytes) -> str | None:
    """Returns the machine an ELF file is built for, or None if `data` is not ELF."""
    if data[:4] != b"\x7fELF" or len(data) < 20:
        return None
    order = "little" if data[5] == 1 else "big"
    code = int.from_bytes(data[18:20], order)
    return ELF_MACHINES.get(code, f"machine 0x{code:x}")


def strip_tool(target: Target) -> list[str]:
    """Returns the command that strips debug sections from the target's ELF files.

    The host's binutils `strip` only reads its own machine's ELF, so a cross
    build (arm64 on x86_64) needs the cross binutils or llvm-strip.
    """
    host = platform.machine().lower().replace("amd64", "x86_64").replace("arm64", "aarch64")
    native = ["strip"] if host == target.machine else []
    for tool in [*native, f"{target.machine}-linux-gnu-strip", "llvm-strip"]:
        if shutil.which(tool):
            return [tool, "--strip-debug"]
    cross = f"binutils-{target.machine.replace('_', '-')}-linux-gnu"
    raise BuildError(
        f"no strip tool for {target.machine} shared objects on this {host} machine: "
        f"install {cross} (apt-get install {cross}) or llvm"
    )


def strip_shared_objects(files: dict[str, bytes], target: Target, label: str) -> None:
    """Strips every ELF file in `files` in place; raises if one is for another machine."""
    elves = {n: m for n, m in ((n, elf_machine(d)) for n, d in files.items()) if m}
    for name, machine in sorted(elves.items()):
        if machine != target.machine:
            raise BuildError(f"{label}: {name} is built for {machine}, not {target.machine}")
    if not elves:
        return
    tool = strip_tool(target)
    with tempfile.TemporaryDirectory(prefix="shop-strip-") as tmp:
        for index, name in enumerate(sorted(elves)):
            path = Path(tmp, str(index))
            path.write_bytes(files[name])
            run = subprocess.run([*tool, str(path)], capture_output=True, text=True, check=False)
            if run.returncode != 0:
                raise BuildError(f"{label}: {tool[0]} failed on {name}: {run.stderr.strip()}")
            files[name] = path.read_bytes()


def zip_bytes(files: dict[str, bytes]) -> bytes:
    """Returns a zip of `files` whose bytes depend on nothing but their names and contents."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.create_system = 3  # Unix, whatever builds it
            info.external_attr = FILE_MODE
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, files[name], compresslevel=9)
    return buffer.getvalue()


def describe(data: bytes, files: dict[str, bytes]) -> dict:
    """Returns the size and hash fields the manifest records for a zip."""
    digest = hashlib.sha256(data)
    return {
        "size": len(data),
        "unzipped_size": sum(len(b) for b in files.values()),
        "sha256": digest.hexdigest(),
        "sha256_base64": b64encode(digest.digest()).decode(),
    }
