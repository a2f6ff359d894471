# Benchmarks: figures are ratios against baselines run side by side on this
# machine; nothing here asserts a time. The baseline frameworks live in their
# own venv (bench/.venv, from the pinned bench/requirements.txt), never in
# the project's requirements.

BENCH_VENV := bench/.venv
BENCH_STAMP := $(BENCH_VENV)/.installed
BENCH_ARGS ?=

.PHONY: bench bench-venv bench-report bench-artifact

bench: venv $(BENCH_STAMP) ## Every benchmark against the baselines (~15 min on a busy 2-core machine): bench/results/*.json + docs/benchmarks.md
	@$(PY) -m bench.run $(BENCH_ARGS)

bench-venv: $(BENCH_STAMP) ## Create bench/.venv (Powertools, Chalice, FastAPI, Mangum...) from bench/requirements.txt

$(BENCH_STAMP): bench/requirements.txt
	@if [ -z "$(PYTHON_BOOT)" ]; then \
	  echo "error: python$(PYTHON_VERSION) not found. Install it (e.g. 'pyenv install $(PYTHON_VERSION)') or set PYTHON_BOOT=/path/to/python$(PYTHON_VERSION)." >&2; exit 1; fi
	@test -x $(BENCH_VENV)/bin/python || $(PYTHON_BOOT) -m venv $(BENCH_VENV)
	@echo "==> installing the baselines' pinned frameworks into $(BENCH_VENV)"
	@$(BENCH_VENV)/bin/pip install --quiet --disable-pip-version-check --no-deps -r bench/requirements.txt
	@$(BENCH_VENV)/bin/pip check --disable-pip-version-check
	@touch $@

bench-report: venv ## Re-render the benchmark table from bench/results/*.json, measuring nothing
	@$(PY) -m bench.report

bench-artifact: venv ## Cold start of the built api with and without bytecode (bench/results/)
	@$(PY) -m bench.artifact_coldstart
