"""Deterministic zips, unchecked-hash bytecode, ELF checks (no I/O)."""

import base64
import hashlib
import importlib.util
import io
import marshal
import zipfile

import pytest

from buildlib import BuildError
from buildlib.archive import compile_all, describe, elf_machine, strip_shared_objects, zip_bytes
from buildlib.spec import Target

TARGET = Target("python3.12", "x86_64")


def elf(machine: int) -> bytes:
    """Return the first bytes of a little-endian 64-bit ELF file for `machine`."""
    return b"\x7fELF\x02\x01\x01" + bytes(11) + machine.to_bytes(2, "little") + bytes(44)


def test_zip_bytes_depend_only_on_names_and_contents():
    files = {"b/x.py": b"x = 1\n", "a.py": b"a = 1\n", "b/a.txt": b"data"}

    first = zip_bytes(files)
    second = zip_bytes(dict(reversed(list(files.items()))))

    assert first == second
    assert first != zip_bytes({**files, "a.py": b"a = 2\n"})


def test_zip_entries_are_sorted_with_fixed_time_mode_and_no_extras():
    data = zip_bytes({"z.py": b"", "a/b.py": b"", "a/a.so": b"\x7fELF"})

    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        infos = zf.infolist()
    assert [i.filename for i in infos] == ["a/a.so", "a/b.py", "z.py"]
    for info in infos:
        assert info.date_time == (1980, 1, 1, 0, 0, 0)
        assert info.external_attr >> 16 == 0o100644
        assert info.create_system == 3
        assert info.extra == b""
        assert not info.is_dir()


def test_pyc_is_unchecked_hash_for_the_runtime_path():
    source = b"def f():\n    return 42\n"

    pycs, skipped = compile_all({"shop/app.py": source}, "/var/task/", TARGET, where=str)

    data = pycs["shop/__pycache__/app.cpython-312.pyc"]
    assert data[:4] == importlib.util.MAGIC_NUMBER
    assert int.from_bytes(data[4:8], "little") == 0b01  # hash-based, source not checked
    assert data[8:16] == importlib.util.source_hash(source)
    code = marshal.loads(data[16:])
    assert code.co_filename == "/var/task/shop/app.py"
    assert skipped == []


def test_top_level_module_pyc_goes_to_the_top_pycache():
    pycs, _ = compile_all({"six.py": b"x = 1\n"}, "/opt/python/", TARGET, where=str)

    assert list(pycs) == ["__pycache__/six.cpython-312.pyc"]


def test_syntax_error_names_the_source_file_and_line():
    files = {"shop/ok.py": b"x = 1\n", "shop/broken.py": b"x = 1\ndef f(:\n"}

    with pytest.raises(BuildError, match=r"functions/shop/broken.py:2: SyntaxError"):
        compile_all(files, "/var/task/", TARGET, where=lambda name: f"functions/{name}")


def test_tolerated_failures_ship_without_bytecode():
    files = {"pkg/template.py": b"${not python}\n", "pkg/ok.py": b"x = 1\n"}

    pycs, skipped = compile_all(files, "/opt/", TARGET, where=lambda name: None)

    assert skipped == ["pkg/template.py"]
    assert list(pycs) == ["pkg/__pycache__/ok.cpython-312.pyc"]


def test_elf_machine_reads_the_header():
    assert elf_machine(elf(0x3E)) == "x86_64"
    assert elf_machine(elf(0xB7)) == "aarch64"
    assert elf_machine(b"#!/bin/sh\n" + bytes(30)) is None


def test_shared_object_for_another_machine_is_refused():
    files = {"python/pkg/_speedups.so": elf(0xB7)}

    with pytest.raises(BuildError, match="pkg/_speedups.so is built for aarch64, not x86_64"):
        strip_shared_objects(files, TARGET, 'layer "deps"')


def test_describe_gives_the_hashes_terraform_wants():
    files = {"a.py": b"12345"}
    data = zip_bytes(files)

    fields = describe(data, files)

    digest = hashlib.sha256(data).digest()
    assert fields["sha256"] == digest.hex()
    assert fields["sha256_base64"] == base64.b64encode(digest).decode()
    assert fields["size"] == len(data)
    assert fields["unzipped_size"] == 5
