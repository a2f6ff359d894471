"""Wheel selection, unpacking and the layers' dependency check (no I/O)."""

import io
import zipfile

import pytest

from buildlib import BuildError
from buildlib.builder import Artifact, check_budgets
from buildlib.spec import Function, Target
from buildlib.wheels import missing_requirements, unpack, wheel_problem

X86 = Target("python3.12", "x86_64")
ARM = Target("python3.12", "arm64")
MIB = 2**20


def wheel(files: dict[str, bytes]) -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    buffer.seek(0)
    return buffer


@pytest.mark.parametrize(
    ("filename", "x86", "arm"),
    [
        ("sqlalchemy-2.1.9-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", 1, 0),
        ("sqlalchemy-2.1.9-cp312-cp312-manylinux_2_17_aarch64.manylinux2014_aarch64.whl", 0, 1),
        ("markupsafe-3.0.4-cp312-cp312-manylinux_2_28_x86_64.whl", 1, 0),
        ("cryptography-50.0.2-cp311-abi3-manylinux_2_34_x86_64.whl", 1, 0),
        ("pymysql-1.2.4-py3-none-any.whl", 1, 1),
        ("greenlet-3.5.6-cp311-cp311-manylinux_2_17_x86_64.whl", 0, 0),  # other Python
        ("newglibc-1.0-cp312-cp312-manylinux_2_39_x86_64.whl", 0, 0),  # glibc newer than AL2023
        ("local-1.0-cp312-cp312-linux_x86_64.whl", 0, 0),  # not manylinux
        ("mac-1.0-cp312-cp312-macosx_11_0_arm64.whl", 0, 0),
    ],
)
def test_only_wheels_for_the_runtime_python_glibc_and_machine_fit(filename, x86, arm):
    assert (wheel_problem(filename, X86) is None) is bool(x86)
    assert (wheel_problem(filename, ARM) is None) is bool(arm)


def test_an_sdist_is_never_taken():
    assert "is not a wheel" in wheel_problem("SQLAlchemy-2.1.9.tar.gz", X86)


def test_unpack_keeps_what_runs_and_drops_what_only_develops():
    files = unpack(
        wheel(
            {
                "pkg/__init__.py": b"",
                "pkg/_speed.cpython-312-x86_64-linux-gnu.so": b"\x7fELF",
                "pkg/tests/test_pkg.py": b"",
                "pkg/__pycache__/__init__.cpython-311.pyc": b"",
                "pkg/__init__.pyi": b"",
                "pkg/py.typed": b"",
                "pkg/_speed.pyx": b"",
                "pkg/templates/page.html": b"<p>",
                "pkg-1.0.dist-info/METADATA": b"Name: pkg\n",
                "pkg-1.0.dist-info/RECORD": b"",
                "pkg-1.0.dist-info/licenses/LICENSE": b"MIT",
                "pkg-1.0.data/purelib/extra.py": b"",
                "pkg-1.0.data/scripts/pkg-cli": b"#!python",
                "../escape.py": b"",
            }
        )
    )

    assert sorted(files) == [
        "extra.py",
        "pkg-1.0.dist-info/METADATA",
        "pkg-1.0.dist-info/licenses/LICENSE",
        "pkg/__init__.py",
        "pkg/_speed.cpython-312-x86_64-linux-gnu.so",
        "pkg/templates/page.html",
    ]


def dists(**entries):
    """Return layer_dists()-shaped entries; keyword names use _ for - (canonical names)."""
    return {
        name.replace("_", "-"): (f"{name} {version} (layer test)", version, requires)
        for name, (version, requires) in entries.items()
    }


def test_a_dependency_no_attached_layer_provides_is_named():
    only_migrations = dists(
        alembic=("1.20.1", ["SQLAlchemy>=2.0", "Mako", "typing-extensions>=4.12"]),
        mako=("1.4.3", ["MarkupSafe>=2.0"]),
        markupsafe=("3.0.4", []),
    )

    problems = missing_requirements(only_migrations, X86)

    assert problems == [
        "alembic 1.20.1 (layer test) requires SQLAlchemy>=2.0, which no attached layer provides",
        "alembic 1.20.1 (layer test) requires typing-extensions>=4.12, "
        "which no attached layer provides",
    ]


def test_union_of_layers_satisfies_requirements_and_markers_are_evaluated():
    union = dists(
        alembic=(
            "1.20.1",
            ["SQLAlchemy>=2.0", 'tomli; python_version < "3.11"', 'tzdata; extra == "tz"'],
        ),
        sqlalchemy=("2.1.9", ["typing-extensions>=4.6.0", 'greenlet>=1; extra == "asyncio"']),
        typing_extensions=("4.16.0", []),
        needs_boto=("1.0", ["botocore>=1.30"]),  # the runtime provides botocore
    )

    assert missing_requirements(union, X86) == []


def test_a_version_the_requirement_excludes_is_named():
    union = dists(mako=("1.4.3", ["MarkupSafe>=4.0"]), markupsafe=("3.0.4", []))

    assert missing_requirements(union, X86) == [
        "mako 1.4.3 (layer test) requires MarkupSafe>=4.0, but markupsafe 3.0.4 (layer test) "
        "is attached"
    ]


def artifact(kind, name, size, unzipped, path=None):
    entry = {"path": path or f"build/{name}.zip", "size": size, "unzipped_size": unzipped}
    return Artifact(kind, name, entry, file=None, reused=False)


def function(name, layers, budget=None):
    return Function(name, "a.b", ("a",), (), None, tuple(layers), budget, {})


def test_project_budget_counts_the_function_and_its_layers_zipped():
    artifacts = {
        ("layer", "deps"): artifact("layer", "deps", int(4.9 * MIB), 19 * MIB),
        ("function", "api"): artifact("function", "api", int(0.2 * MIB), MIB),
    }

    with pytest.raises(BuildError) as error:
        check_budgets([function("api", ["deps"])], artifacts, {})

    assert str(error.value).startswith(
        'function "api" is 5.10 MiB zipped with its layers (api.zip 0.20 MiB + deps.zip 4.90 MiB), '
        "over the project budget of 5 MiB (5242880 bytes)"
    )
    check_budgets([function("api", ["deps"])], artifacts, {"api": 6})  # --budget api=6
    check_budgets([function("api", ["deps"], budget=6)], artifacts, {})  # budget_mb


def test_lambda_limits_are_enforced_zipped_and_unzipped():
    big_zip = {("function", "report"): artifact("function", "report", 51 * MIB, 60 * MIB)}
    with pytest.raises(BuildError, match=r"build/report.zip is 51.00 MiB zipped; Lambda takes"):
        check_budgets([function("report", [])], big_zip, {})

    artifacts = {
        ("layer", "deps"): artifact("layer", "deps", 40 * MIB, 200 * MIB),
        ("function", "report"): artifact("function", "report", MIB, 51 * MIB),
    }
    with pytest.raises(BuildError, match=r"251.00 MiB unzipped with its layers .* at most 250 MiB"):
        check_budgets([function("report", ["deps"])], artifacts, {})
