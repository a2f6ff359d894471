"""Scripts the benchmarks run in a fresh `python -I -S -B` interpreter.

Each is started with one argument, a JSON spec, and first puts the
unpacked artifact on sys.path exactly as tests/support/lambda_layout.py's
bootstrap does (function, layers, the runtime's boto3, the standard
library), so it measures the built code and nothing from a venv. Each
prints one JSON document on its last line of stdout.
"""
