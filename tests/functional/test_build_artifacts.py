"""build.py end to end on a small fixture tree: the properties of the builder.

Each test writes a minimal repository (functions/, api/openapi.yaml) into a temp
folder and runs the real build.py on it as a subprocess, as `make build` does.
The fixture's layers use small real wheels (MarkupSafe is compiled, Mako needs
MarkupSafe from another layer); they come from the shared wheel cache
(~/.cache/shop-build or $SHOP_BUILD_CACHE), so only a first run needs the index.
"""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from buildlib import lock
from buildlib.archive import strip_tool
from buildlib.spec import Target

ROOT = Path(__file__).resolve().parents[2]
BUILD_PY = ROOT / "build.py"
OPENAPI = """\
openapi: 3.0.3
info: {title: fixture, version: "1.0"}
paths:
  /v1/health:
    get:
      operationId: getHealth
      responses: {"200": {description: ok}}
"""
FUNCTIONS_JSON = {
    "runtime": "python3.12",
    "architecture": "x86_64",
    "layers": {
        "deps": {"requirements": "requirements.txt"},
        "tmpl": {"requirements": "requirements-tmpl.txt"},
    },
    "functions": {
        "api": {
            "handler": "app.handlers.api.handler",
            "packages": ["app"],
            "exclude": ["app/migrations/**", "app/handlers/report.py"],
            "contract": "app/openapi.json",
            "layers": ["deps"],
        },
        "report": {
            "handler": "app.handlers.report.handler",
            "packages": ["app"],
            "exclude": ["app/migrations/**", "app/handlers/api.py"],
            "layers": ["deps", "tmpl"],
        },
        "warmer": {"handler": "warm.handler.handler", "packages": ["warm"], "layers": []},
    },
}
TREE = {
    "api/openapi.yaml": OPENAPI,
    "functions/functions.json": json.dumps(FUNCTIONS_JSON, indent=2),
    "functions/requirements.txt": "MarkupSafe==3.0.4\ntyping_extensions==4.16.0\n",
    "functions/requirements-tmpl.txt": "# MarkupSafe comes from deps\nMako==1.4.3\n",
    "functions/app/__init__.py": "",
    "functions/app/core.py": "def escape(text):\n    from markupsafe import escape\n\n"
    "    return str(escape(text))\n",
    "functions/app/data/greeting.txt": "shipped as it is\n",
    "functions/app/handlers/__init__.py": "",
    "functions/app/handlers/api.py": "from app import core\n\n\ndef handler(event, context):\n"
    "    return core.escape('<b>')\n",
    "functions/app/handlers/report.py": "def handler(event, context):\n    return 'report'\n",
    "functions/app/migrations/env.py": "# never shipped\n",
    "functions/warm/__init__.py": "",
    "functions/warm/handler.py": "def handler(event, context):\n    return {'warm': True}\n",
}
MANIFEST_KEYS = {"format", "runtime", "architecture", "layers", "functions"}
LAYER_KEYS = {"path", "size", "unzipped_size", "sha256", "sha256_base64", "input_hash"}
LAYER_KEYS |= {"runtime", "architecture"}
FUNCTION_KEYS = LAYER_KEYS | {"handler", "layers"}


def make_tree(base: Path, files=TREE) -> Path:
    for rel, text in files.items():
        path = base / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return base


def edit(tree: Path, rel: str, change) -> None:
    """Rewrite a file of the tree: `change` is the new text or a function of the old."""
    path = tree / rel
    path.write_text(change(path.read_text()) if callable(change) else change)


def edit_spec(tree: Path, change) -> None:
    spec = json.loads((tree / "functions/functions.json").read_text())
    change(spec)
    edit(tree, "functions/functions.json", json.dumps(spec))


def run_build(tree: Path, *args, env=None, python=sys.executable, ok=True):
    result = subprocess.run(
        [python, str(BUILD_PY), "--root", str(tree), *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=600,
    )
    if ok:
        assert result.returncode == 0, result.stderr
    return result


def states(result) -> dict[str, str]:
    """Return {artifact: "built" or "reused"} from the progress lines of a build."""
    lines = [ln for ln in result.stdout.splitlines() if ln.startswith(("layer ", "function "))]
    return {ln.split()[1]: "reused" if ln.endswith("reused") else "built" for ln in lines}


def snapshot(folder: Path) -> dict[str, bytes]:
    """Return every file under `folder` (hidden ones too) by relative path."""
    if not folder.exists():
        return {}
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def manifest(tree: Path) -> dict:
    return json.loads((tree / "build/manifest.json").read_text())


def entries(zip_path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(zip_path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def elf_sections(data: bytes) -> list[str]:
    """Return the section names of a 64-bit little-endian ELF file."""
    shoff = int.from_bytes(data[0x28:0x30], "little")
    entsize, count, names_index = (
        int.from_bytes(data[o : o + 2], "little") for o in (0x3A, 0x3C, 0x3E)
    )
    headers = [data[shoff + i * entsize : shoff + (i + 1) * entsize] for i in range(count)]
    strtab = headers[names_index]
    str_off = int.from_bytes(strtab[0x18:0x20], "little")
    out = []
    for header in headers:
        start = str_off + int.from_bytes(header[0:4], "little")
        out.append(data[start : data.index(b"\0", start)].decode())
    return out


@pytest.fixture
def tree(tmp_path):
    return make_tree(tmp_path / "repo")


@pytest.fixture
def built(tree):
    run_build(tree)
    return tree


# 1. Byte-identical -----------------------------------------------------------------------


def test_two_copies_in_different_folders_at_different_times_build_identical_bytes(tmp_path):
    # GIVEN two copies of the same sources in different folders, written in a
    # different order, with different timestamps and permissions
    one = make_tree(tmp_path / "one")
    two = make_tree(tmp_path / "elsewhere" / "two", dict(reversed(list(TREE.items()))))
    for index, path in enumerate(sorted(p for p in two.rglob("*") if p.is_file())):
        os.utime(path, (1_900_000_000 + index, 1_900_000_000 + index))
        path.chmod(0o600 if index % 2 else 0o755)

    # WHEN both are built, one after the other
    run_build(one)
    time.sleep(1.1)  # a zip timestamp has two-second resolution: make the clock move
    run_build(two)

    # THEN every artifact and the manifest are the same bytes
    first, second = snapshot(one / "build"), snapshot(two / "build")
    assert sorted(first) == sorted(
        ["api.zip", "deps.zip", "manifest.json", "report.zip", "tmpl.zip", "warmer.zip"]
    )
    assert first == second
    assert str(tmp_path) not in first["manifest.json"].decode()


def test_a_clean_rebuild_gives_the_same_bytes(built):
    before = snapshot(built / "build")
    shutil.rmtree(built / "build")

    run_build(built)

    assert snapshot(built / "build") == before


def test_a_one_line_change_changes_only_that_functions_hash(built):
    before = manifest(built)

    edit(built, "functions/warm/handler.py", lambda text: text.replace("True", "False"))
    result = run_build(built)

    after = manifest(built)
    changed = {n for n in after["functions"] if after["functions"][n] != before["functions"][n]}
    assert changed == {"warmer"}
    assert after["functions"]["warmer"]["sha256"] != before["functions"]["warmer"]["sha256"]
    assert after["layers"] == before["layers"]
    assert states(result) == {
        "deps": "reused",
        "tmpl": "reused",
        "api": "reused",
        "report": "reused",
        "warmer": "built",
    }


def test_a_change_to_an_excluded_file_leaves_that_function_alone(built):
    before = manifest(built)

    edit(built, "functions/app/handlers/report.py", lambda text: text + "# one more line\n")
    run_build(built)

    after = manifest(built)
    assert after["functions"]["api"] == before["functions"]["api"]
    assert after["functions"]["report"]["sha256"] != before["functions"]["report"]["sha256"]


# Output ---------------------------------------------------------------------------------


def test_each_function_zip_carries_only_its_own_files(built):
    (built / "functions/app/__pycache__").mkdir()
    (built / "functions/app/__pycache__/core.cpython-312.pyc").write_bytes(b"stale")
    (built / "functions/app/.DS_Store").write_bytes(b"junk")
    run_build(built)

    warmer = entries(built / "build/warmer.zip")
    api = entries(built / "build/api.zip")
    assert sorted(warmer) == [
        "warm/__init__.py",
        "warm/__pycache__/__init__.cpython-312.pyc",
        "warm/__pycache__/handler.cpython-312.pyc",
        "warm/handler.py",
    ]
    assert "app/data/greeting.txt" in api
    assert not any(n.startswith("app/migrations") or n.endswith("report.py") for n in api)
    assert api["app/__pycache__/core.cpython-312.pyc"] != b"stale"
    assert not any(n.endswith(".DS_Store") for n in api)


def test_the_contract_ships_as_compact_json_only_where_asked(built):
    api = entries(built / "build/api.zip")

    contract = api["app/openapi.json"]
    assert json.loads(contract)["paths"]["/v1/health"]["get"]["operationId"] == "getHealth"
    assert b"\n" not in contract and b", " not in contract
    assert "app/openapi.json" not in entries(built / "build/report.zip")


def test_manifest_has_the_documented_shape(built):
    data = manifest(built)

    assert set(data) == MANIFEST_KEYS
    assert (data["format"], data["runtime"], data["architecture"]) == (1, "python3.12", "x86_64")
    assert {n: set(e) for n, e in data["layers"].items()} == {
        "deps": LAYER_KEYS,
        "tmpl": LAYER_KEYS,
    }
    assert all(set(e) == FUNCTION_KEYS for e in data["functions"].values())
    api = data["functions"]["api"]
    assert api["path"] == "build/api.zip"
    assert api["handler"] == "app.handlers.api.handler" and api["layers"] == ["deps"]
    import base64
    import hashlib

    digest = hashlib.sha256((built / "build/api.zip").read_bytes()).digest()
    assert api["sha256"] == digest.hex()
    assert api["sha256_base64"] == base64.b64encode(digest).decode()
    text = (built / "build/manifest.json").read_text()
    assert text == json.dumps(data, indent=2, sort_keys=True) + "\n"


def test_progress_is_one_line_per_artifact_and_json_is_for_machines(tree):
    result = run_build(tree)

    lines = [line for line in result.stdout.splitlines() if not line.startswith("downloading")]
    assert [line.split()[:2] for line in lines[:-1]] == [
        ["layer", "deps"],
        ["layer", "tmpl"],
        ["function", "api"],
        ["function", "report"],
        ["function", "warmer"],
    ]
    assert all("MiB zipped" in line and "built in" in line for line in lines[:-1])

    again = run_build(tree, "--json")
    summary = json.loads(again.stdout)
    assert [(a["name"], a["reused"]) for a in summary["artifacts"]] == [
        ("deps", True),
        ("tmpl", True),
        ("api", True),
        ("report", True),
        ("warmer", True),
    ]
    assert summary["manifest"] == "build/manifest.json"


# 2. Platform-correct -------------------------------------------------------------------


def wheel_tags(layer: dict[str, bytes]) -> dict[str, list[str]]:
    """Return {dist-info: its WHEEL Tag lines} for every dist in a layer zip."""
    tags = {}
    for name, data in layer.items():
        if name.endswith(".dist-info/WHEEL"):
            lines = data.decode().splitlines()
            tags[name.split("/")[1]] = [
                ln.split(": ", 1)[1] for ln in lines if ln.startswith("Tag:")
            ]
    return tags


def assert_layer_is_for(layer: dict[str, bytes], target: Target) -> None:
    allowed = {str(t) for t in target.tags}
    for dist, tags in wheel_tags(layer).items():
        assert set(tags) & allowed, f"{dist} has tags {tags}, none for {target}"
    elves = {n: d for n, d in layer.items() if d[:4] == b"\x7fELF"}
    assert elves, "the fixture layer has a compiled wheel"
    machine = {"x86_64": 0x3E, "aarch64": 0xB7}[target.machine]
    for name, data in elves.items():
        assert int.from_bytes(data[18:20], "little") == machine, name
    dists = {n.split("/")[1] for n in layer if ".dist-info/" in n}
    assert dists == set(wheel_tags(layer)), "every dist came from a wheel (has WHEEL)"
    assert not any(n.endswith(("PKG-INFO", "setup.py", ".egg-info")) for n in layer), "no sdist"
    assert all(n.startswith("python/") for n in layer)


def test_layers_hold_only_wheels_for_the_runtime_and_architecture(built):
    assert_layer_is_for(entries(built / "build/deps.zip"), Target("python3.12", "x86_64"))
    assert manifest(built)["layers"]["deps"]["architecture"] == "x86_64"


def test_arch_override_builds_arm64_wheels_and_says_so_in_the_manifest(tree):
    try:
        strip_tool(Target("python3.12", "arm64"))
    except Exception as exc:
        pytest.skip(f"no aarch64 strip tool here: {exc}")

    run_build(tree, "--arch", "arm64")

    assert_layer_is_for(entries(tree / "build/deps.zip"), Target("python3.12", "arm64"))
    data = manifest(tree)
    assert data["architecture"] == "arm64"
    assert {e["architecture"] for e in data["functions"].values()} == {"arm64"}


# 3. Fast cold start --------------------------------------------------------------------


def test_every_module_ships_unchecked_hash_bytecode_for_its_runtime_path(built):
    import importlib.util
    import marshal

    for zip_name, run_root in (("api.zip", "/var/task/"), ("deps.zip", "/opt/")):
        files = entries(built / "build" / zip_name)
        sources = [n for n in files if n.endswith(".py")]
        assert sources
        for name in sources:
            folder, _, module = name.rpartition("/")
            pyc = files[f"{folder}/__pycache__/{module[:-3]}.cpython-312.pyc".lstrip("/")]
            assert pyc[:4] == importlib.util.MAGIC_NUMBER
            assert int.from_bytes(pyc[4:8], "little") == 0b01, "unchecked hash"
            assert pyc[8:16] == importlib.util.source_hash(files[name])
            assert marshal.loads(pyc[16:]).co_filename == run_root + name


def test_shared_objects_lose_debug_sections_and_dev_files_are_left_out(built):
    layer = entries(built / "build/deps.zip")

    speedups = [n for n in layer if n.startswith("python/markupsafe/_speedups") and ".so" in n]
    assert speedups
    sections = elf_sections(layer[speedups[0]])
    assert ".text" in sections and not [s for s in sections if s.startswith(".debug")]
    assert not any(n.endswith((".pyi", ".c", "py.typed", "RECORD")) for n in layer)


# 4. Budgets ----------------------------------------------------------------------------


def test_over_budget_fails_precisely_and_leaves_build_as_it_was(built):
    before = snapshot(built / "build")
    edit(built, "functions/app/core.py", lambda text: text + "# changed\n")

    result = run_build(built, "--budget", "api=0.01", ok=False)

    assert result.returncode == 1
    assert 'function "api" is ' in result.stderr
    assert "over the project budget of 0.01 MiB (10485 bytes)" in result.stderr
    assert snapshot(built / "build") == before


def test_budget_can_be_set_in_functions_json(built):
    edit_spec(built, lambda spec: spec["functions"]["report"].update(budget_mb=0.001))

    result = run_build(built, ok=False)

    assert "over the project budget of 0.001 MiB" in result.stderr
    assert "budget_mb in functions/functions.json" in result.stderr


# 5. Incremental ------------------------------------------------------------------------


def test_a_no_op_build_reuses_everything_and_touches_nothing(built):
    stats = {p.name: p.stat().st_mtime_ns for p in (built / "build").iterdir()}

    result = run_build(built)

    # (its time is measured by `make bench`, never asserted here)
    assert set(states(result).values()) == {"reused"}
    assert {p.name: p.stat().st_mtime_ns for p in (built / "build").iterdir()} == stats


def test_concurrent_builds_of_one_tree_wait_their_turn_and_corrupt_nothing(built):
    # GIVEN a change to build, and a build of the tree running (its lock held here,
    # as a running build.py holds it)
    edit(built, "functions/warm/handler.py", lambda text: text.replace("True", "False"))
    before = snapshot(built / "build")
    with lock.exclusive(built, log=lambda _line: None):
        # WHEN two more builds start
        runs = [
            subprocess.Popen(
                [sys.executable, str(BUILD_PY), "--root", str(built)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
            for _ in range(2)
        ]
        # THEN each says it waits, and build/ stays as it was while they wait
        waiting = [run.stdout.readline() for run in runs]
        assert all(line.startswith("waiting for another build of") for line in waiting), waiting
        assert snapshot(built / "build") == before
    # WHEN the running build ends, THEN both finish, one after the other: one builds
    # the change, the next finds it built and reuses it
    outputs = [run.communicate(timeout=600) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], [err for _out, err in outputs]
    warmer_states = sorted(
        states(subprocess.CompletedProcess([], 0, out, err))["warmer"] for out, err in outputs
    )
    assert warmer_states == ["built", "reused"]
    # ... and the manifest names exactly the zips on disk
    data = manifest(built)
    for entry in [*data["layers"].values(), *data["functions"].values()]:
        digest = hashlib.sha256((built / entry["path"]).read_bytes()).hexdigest()
        assert entry["sha256"] == digest, entry["path"]
    assert sorted(p.name for p in (built / "build").glob("*.zip")) == sorted(
        Path(e["path"]).name for e in [*data["layers"].values(), *data["functions"].values()]
    )


def test_a_damaged_zip_is_rebuilt_not_reused(built):
    good = (built / "build/api.zip").read_bytes()
    (built / "build/api.zip").write_bytes(b"not a zip")

    result = run_build(built)

    assert states(result)["api"] == "built"
    assert (built / "build/api.zip").read_bytes() == good


def offline_env() -> dict:
    """An environment in which pip cannot reach any index or wheel folder."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    return {**env, "PIP_CONFIG_FILE": os.devnull, "PIP_NO_INDEX": "1"}


def run_offline(tree: Path, cache: Path, *args, ok=True):
    env = {**offline_env(), "SHOP_BUILD_CACHE": str(cache)}
    result = subprocess.run(
        [sys.executable, str(BUILD_PY), "--root", str(tree), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    if ok:
        assert result.returncode == 0, result.stderr
    return result


def test_the_wheel_cache_keeps_repeat_builds_off_the_network(tree, tmp_path):
    cache = tmp_path / "cache"
    first = json.loads(run_build(tree, "--json", env={"SHOP_BUILD_CACHE": str(cache)}).stdout)
    downloaded = [w for a in first["artifacts"] for w in a["downloaded"]]
    assert len(downloaded) == 3
    before = snapshot(tree / "build")
    shutil.rmtree(tree / "build")  # what `make clean` does; the cache is elsewhere

    again = json.loads(run_offline(tree, cache, "--json").stdout)

    assert [w for a in again["artifacts"] for w in a["downloaded"]] == []
    assert snapshot(tree / "build") == before


def test_without_cache_or_network_the_build_fails_clearly(tree, tmp_path):
    result = run_offline(tree, tmp_path / "empty-cache", ok=False)

    assert result.returncode == 1
    assert "pip could not download MarkupSafe==3.0.4, typing_extensions==4.16.0" in result.stderr
    assert "manylinux_2_34_x86_64" in result.stderr
    assert not (tree / "build").exists()


# 7. Bad input --------------------------------------------------------------------------


def drop_requirements(tree):
    (tree / "functions/requirements-tmpl.txt").unlink()


BAD_INPUTS = {
    "missing requirements": (
        drop_requirements,
        (),
        'functions/requirements-tmpl.txt: not found (requirements of layer "tmpl")',
    ),
    "unpinned requirement": (
        lambda t: edit(t, "functions/requirements-tmpl.txt", "Mako>=1.0\n"),
        (),
        'functions/requirements-tmpl.txt:1: "Mako>=1.0" is not pinned; write name==version',
    ),
    "URL requirement": (
        lambda t: edit(t, "functions/requirements.txt", "x @ https://example.com/x.whl\n"),
        (),
        'functions/requirements.txt:1: "x @ https://example.com/x.whl" is a URL or a path',
    ),
    "unknown function": (
        lambda t: None,
        ("apii",),
        'unknown function "apii" (functions/functions.json has: api, report, warmer)',
    ),
    "wrong interpreter": (
        lambda t: edit_spec(t, lambda s: s.update(runtime="python3.11")),
        (),
        "needs bytecode written by Python 3.11, but this is Python 3.12",
    ),
    "syntax error": (
        lambda t: edit(t, "functions/app/core.py", lambda text: text + "def broken(:\n"),
        (),
        "functions/app/core.py:5: SyntaxError: invalid syntax",
    ),
    "handler excluded": (
        lambda t: edit_spec(t, lambda s: s["functions"]["api"]["exclude"].append("app/handlers")),
        (),
        "handler app.handlers.api.handler needs functions/app/handlers/api.py",
    ),
    "layer missing a dependency": (
        lambda t: edit_spec(t, lambda s: s["functions"]["report"].update(layers=["tmpl"])),
        (),
        'function "report" (layers: tmpl) lacks dependencies:\n'
        '  Mako 1.4.3 (layer "tmpl") requires MarkupSafe>=2.0, which no attached layer provides',
    ),
    "unknown layer": (
        lambda t: edit_spec(t, lambda s: s["functions"]["api"].update(layers=["dep"])),
        (),
        'functions.api.layers: unknown layer "dep" (known: deps, tmpl)',
    ),
}


@pytest.mark.parametrize("case", BAD_INPUTS, ids=list(BAD_INPUTS))
def test_bad_input_fails_clearly_and_leaves_build_as_it_was(built, case):
    spoil, args, message = BAD_INPUTS[case]
    before = snapshot(built / "build")
    edit(built, "functions/warm/handler.py", lambda text: text + "# would rebuild warmer\n")
    spoil(built)

    result = run_build(built, *args, ok=False)

    assert result.returncode == 1
    assert message in result.stderr
    assert result.stderr.startswith("build.py: error: ")
    assert snapshot(built / "build") == before


@pytest.mark.parametrize("case", ["syntax error", "layer missing a dependency"])
def test_a_failed_first_build_leaves_no_build_folder(tree, case):
    BAD_INPUTS[case][0](tree)

    result = run_build(tree, ok=False)

    assert result.returncode == 1
    assert not (tree / "build").exists()


def other_python() -> str | None:
    """Return an interpreter of another minor version than this one, if the machine has one."""
    candidates = ["/usr/bin/python3", *(f"/usr/bin/python3.{minor}" for minor in range(8, 15))]
    for path in candidates:
        if Path(path).exists():
            run = subprocess.run([path, "--version"], capture_output=True, text=True, check=False)
            if run.returncode == 0 and not run.stdout.startswith(
                f"Python 3.{sys.version_info[1]}."
            ):
                return path
    return None


def test_a_real_interpreter_of_another_version_is_refused_before_any_import(tree):
    other = other_python()
    if other is None:
        pytest.skip("no Python of another minor version on this machine")

    result = run_build(tree, python=other, ok=False)

    assert result.returncode == 1
    assert "run it with python3.12, e.g. .venv/bin/python build.py" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tree / "build").exists()


def test_a_killed_builds_leftovers_are_removed_by_the_next_build(built):
    # GIVEN the temp folder of a build whose process is gone
    gone = subprocess.Popen(["true"])
    gone.wait()
    leftover = built / "build" / f".tmp-{gone.pid}-x1y2"
    leftover.mkdir()
    (leftover / "api.zip").write_bytes(b"half-written")

    run_build(built)

    assert not leftover.exists()


# Selection and clean-up ------------------------------------------------------------------


def test_building_one_function_keeps_the_others_in_the_manifest(built):
    before = manifest(built)
    edit(built, "functions/warm/handler.py", lambda text: text + "# changed\n")

    result = run_build(built, "warmer")

    after = manifest(built)
    assert result.stdout.splitlines()[0].startswith("function  warmer")
    assert after["functions"]["api"] == before["functions"]["api"]
    assert after["layers"] == before["layers"]
    assert after["functions"]["warmer"] != before["functions"]["warmer"]


def test_a_removed_function_and_its_unused_layer_leave_build(built):
    edit_spec(built, lambda spec: spec["functions"].pop("report"))

    run_build(built)

    assert sorted(p.name for p in (built / "build").iterdir()) == [
        "api.zip",
        "deps.zip",
        "manifest.json",
        "warmer.zip",
    ]
    assert set(manifest(built)["layers"]) == {"deps"}
