"""build.py's reading of functions.json and the requirements files (no I/O)."""

import copy
import json
from pathlib import Path

import pytest

from build import interpreter_problem
from buildlib import BuildError
from buildlib.spec import Target, excluder, input_hash, parse_pins, parse_spec

ROOT = Path("/repo")
SPEC = {
    "runtime": "python3.12",
    "architecture": "x86_64",
    "layers": {"deps": {"requirements": "requirements.txt"}},
    "functions": {
        "api": {
            "handler": "shop.api.handler",
            "packages": ["shop"],
            "exclude": ["shop/migrations/**"],
            "contract": "shop/openapi.json",
            "layers": ["deps"],
        },
        "warmer": {"handler": "warmer.handler.handler", "packages": ["warmer"], "layers": []},
    },
}


def spec_with(path: str, value):
    """Return SPEC with the value at a dotted path replaced."""
    raw = copy.deepcopy(SPEC)
    *parents, last = path.split(".")
    node = raw
    for key in parents:
        node = node[key]
    node[last] = value
    return raw


def test_spec_reads_functions_layers_and_target():
    spec = parse_spec(SPEC, ROOT)

    assert spec.target == Target("python3.12", "x86_64")
    assert spec.functions["api"].layers == ("deps",)
    assert spec.functions["api"].contract == "shop/openapi.json"
    assert spec.layers["deps"].requirements == ROOT / "functions" / "requirements.txt"


def test_arch_override_wins_over_functions_json():
    assert parse_spec(SPEC, ROOT, "arm64").target.machine == "aarch64"


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("runtime", "python2.7", 'runtime "python2.7" is not one of'),
        ("architecture", "sparc", 'architecture "sparc" is not one of'),
        ("functions.api.layers", ["deps", "depz"], 'unknown layer "depz" (known: deps)'),
        ("functions.api.handler", "handler", 'functions.api.handler "handler" is not'),
        ("functions.api.packages", [], "functions.api.packages must list directories or files"),
        (
            "functions.api.packages",
            ["../etc"],
            "functions.api.packages must list directories or files",
        ),
        ("functions.api.budget_mb", 0, "functions.api.budget_mb must be a positive number"),
        ("functions.api.contract", "shop/openapi.yaml", "contract must be a path ending in .json"),
        ("layers.deps.requirements", "", "layers.deps.requirements must name a file"),
        ("functions", {}, "no functions"),
    ],
)
def test_invalid_spec_is_refused_naming_the_key(path, value, message):
    with pytest.raises(BuildError, match="functions/functions.json") as error:
        parse_spec(spec_with(path, value), ROOT)
    assert message in str(error.value)


def test_pinned_requirements_are_read_with_comments_and_blank_lines_ignored():
    text = "# deps\n\nPyMySQL==1.2.4\nSQLAlchemy==2.1.9  # the ORM\n"

    pins = parse_pins(text, "functions/requirements.txt", "deps")

    assert [(p.name, p.version, p.where) for p in pins] == [
        ("PyMySQL", "1.2.4", "functions/requirements.txt:3"),
        ("SQLAlchemy", "2.1.9", "functions/requirements.txt:4"),
    ]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("SQLAlchemy>=2.0", '"SQLAlchemy>=2.0" is not pinned; write name==version'),
        ("SQLAlchemy", '"SQLAlchemy" is not pinned'),
        ("SQLAlchemy==2.*", '"SQLAlchemy==2.*" is not pinned'),
        ("SQLAlchemy[asyncio]==2.1.9", "is not pinned"),
        ("-e ./lib", "is an editable install"),
        ("shop @ https://example.com/shop.whl", "is a URL or a path"),
        ("https://example.com/x-1.0-py3-none-any.whl", "is a URL or a path"),
        ("./wheels/x-1.0-py3-none-any.whl", "is a URL or a path"),
        ("--index-url https://example.com/simple", "is a pip option"),
        ("-r other.txt", "is a pip option"),
    ],
)
def test_anything_but_name_equals_version_is_refused_naming_the_line(line, message):
    with pytest.raises(BuildError) as error:
        parse_pins(f"PyMySQL==1.2.4\n{line}\n", "functions/requirements.txt", "deps")

    assert str(error.value).startswith("functions/requirements.txt:2: ")
    assert message in str(error.value)


def test_a_name_pinned_twice_is_refused():
    with pytest.raises(BuildError, match="already pinned at functions/r.txt:1"):
        parse_pins("PyMySQL==1.2.4\npymysql==1.2.3\n", "functions/r.txt", "deps")


def test_empty_requirements_are_refused():
    with pytest.raises(BuildError, match='layer "deps" would be empty'):
        parse_pins("# nothing\n", "functions/r.txt", "deps")


@pytest.mark.parametrize(
    ("patterns", "path", "excluded"),
    [
        (["shop/migrations/**"], "shop/migrations/env.py", True),
        (["shop/migrations/**"], "shop/migrations/versions/0001_initial.py", True),
        (["shop/migrations"], "shop/migrations/versions/0001_initial.py", True),
        (["shop/handlers/migrate.py"], "shop/handlers/migrate.py", True),
        (["shop/handlers/migrate.py"], "shop/handlers/api.py", False),
        (["shop/*.py"], "shop/app.py", True),
        (["shop/*.py"], "shop/handlers/api.py", False),
        (["**/*.md"], "shop/handlers/README.md", True),
        (["sqlalchemy/testing/**"], "sqlalchemy/testing_utils.py", False),
    ],
)
def test_exclude_globs_follow_glob_rules(patterns, path, excluded):
    assert excluder(tuple(patterns))(path) is excluded


def test_manylinux_platforms_stop_at_the_runtime_glibc():
    x86 = Target("python3.12", "x86_64").platforms
    arm = Target("python3.12", "arm64").platforms

    assert x86[0] == "manylinux_2_34_x86_64"
    assert "manylinux2014_x86_64" in x86 and "manylinux_2_35_x86_64" not in x86
    assert arm[0] == "manylinux_2_34_aarch64"
    assert all(p.endswith("_aarch64") for p in arm)


def test_input_hash_covers_content_entry_and_target_but_not_order():
    target = Target("python3.12", "x86_64")
    base = input_hash(target, "b1", {"handler": "a.b"}, {"a.py": b"1", "b.py": b"2"})

    assert base == input_hash(target, "b1", {"handler": "a.b"}, {"b.py": b"2", "a.py": b"1"})
    assert base != input_hash(target, "b1", {"handler": "a.b"}, {"a.py": b"1", "b.py": b"3"})
    assert base != input_hash(target, "b1", {"handler": "a.c"}, {"a.py": b"1", "b.py": b"2"})
    assert base != input_hash(target, "b2", {"handler": "a.b"}, {"a.py": b"1", "b.py": b"2"})
    arm = Target("python3.12", "arm64")
    assert base != input_hash(arm, "b1", {"handler": "a.b"}, {"a.py": b"1", "b.py": b"2"})


def test_wrong_interpreter_is_refused_naming_the_right_one():
    problem = interpreter_problem("python3.12", (3, 11))

    assert "Python 3.12" in problem
    assert "run it with python3.12, e.g. .venv/bin/python build.py" in problem
    assert interpreter_problem("python3.12", (3, 12)) is None


@pytest.mark.parametrize("function", ["pretraffic", "warmer"])
def test_a_file_in_packages_ships_alone_the_hook_and_warmer_carry_only_shop_logs(function):
    """The pre-traffic hook and the warmer log through shop/logs.py; the rest of `shop`
    (SQLAlchemy imports, the router, the contract) stays out of their zips."""
    from buildlib.spec import source_files

    root = Path(__file__).resolve().parents[2]
    raw = json.loads((root / "functions" / "functions.json").read_text())
    spec = parse_spec(raw, root)
    files = source_files(spec, spec.functions[function])
    assert {name for name in files if not name.startswith(f"{function}/")} == {
        "shop/__init__.py",
        "shop/logs.py",
    }
    logs = (root / "functions" / "shop" / "logs.py").read_text()
    assert "from shop" not in logs and "import shop" not in logs  # nothing else to carry
