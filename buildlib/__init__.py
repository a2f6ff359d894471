"""Helpers of build.py: spec reading, wheels, and deterministic archives.

This package is imported only after build.py has checked the interpreter, so it
may use the venv's packages. Nothing here is imported by the Lambda code, and
nothing here imports it: the two meet only through functions/functions.json
and build/manifest.json.
"""


class BuildError(Exception):
    """A problem the user must fix; its message says what and where."""
