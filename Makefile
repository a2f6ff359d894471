# One gate: `make test` is what CI runs (.ci/run) and what a developer runs.
# Feature areas keep their targets in mk/*.mk; `make help` lists them all.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON_VERSION := $(shell cat .python-version)
# The interpreter must match the Lambda runtime's minor version (functions/functions.json).
PYTHON_BOOT ?= $(shell command -v python$(PYTHON_VERSION) 2>/dev/null || pyenv which python$(PYTHON_VERSION) 2>/dev/null)
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed

.PHONY: help venv lock lint fmt test test-unit test-functional test-loaded

help: ## List every target with one line each
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sort -u \
	  | awk 'BEGIN {FS = ":.*## "}; {printf "  \033[36m%-16s\033[0m %s\n", $$1, $$2}'

venv: $(STAMP) ## Create .venv from the pinned requirements (Python from .python-version)

$(STAMP): requirements-dev.txt functions/requirements.txt functions/requirements-migrate.txt
	@if [ -z "$(PYTHON_BOOT)" ]; then \
	  echo "error: python$(PYTHON_VERSION) not found. Install it (e.g. 'pyenv install $(PYTHON_VERSION)') or set PYTHON_BOOT=/path/to/python$(PYTHON_VERSION)." >&2; exit 1; fi
	@test -x $(PY) || $(PYTHON_BOOT) -m venv $(VENV)
	@echo "==> installing pinned dependencies into $(VENV)"
	@$(PIP) install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

lock: ## Re-pin requirements-dev.txt from requirements-dev.in
	@$(PYTHON_BOOT) -m venv /tmp/shop-lock-venv && /tmp/shop-lock-venv/bin/pip install --quiet -r requirements-dev.in
	@(echo "# Generated from requirements-dev.in by \`make lock\`; do not edit by hand."; /tmp/shop-lock-venv/bin/pip freeze) > requirements-dev.txt
	@rm -rf /tmp/shop-lock-venv

lint: venv ## ruff format --check, ruff check, and actionlint on the workflows
	@$(VENV)/bin/ruff format --check .
	@$(VENV)/bin/ruff check .
	@$(MAKE) --no-print-directory lint-workflows

fmt: venv ## Format and auto-fix with ruff
	@$(VENV)/bin/ruff format .
	@$(VENV)/bin/ruff check --fix .



PYTEST_ARGS ?=

# The apply rehearsal mostly waits on moto's simulated RDS and CloudFront, so
# it runs beside the other tiers instead of after them; its log is printed
# when it ends.
test: venv lint ## Run every test tier (what CI runs): unit, functional, build, infra, review, scan, rehearsal, local, e2e, drills
	@mkdir -p build
	@rm -f build/test-main.xml build/test-rehearsal.xml
	@$(PY) -m pytest -m rehearsal -p no:cacheprovider --junitxml=build/test-rehearsal.xml $(PYTEST_ARGS) > build/test-rehearsal.log 2>&1 & rehearsal=$$!; \
	$(PY) -m pytest -m "not rehearsal" --junitxml=build/test-main.xml --durations=15 $(PYTEST_ARGS); main=$$?; \
	echo "==> waiting for the apply rehearsal (log: build/test-rehearsal.log)"; \
	wait $$rehearsal; status=$$?; tail -n 25 build/test-rehearsal.log; \
	$(if $(PYTEST_ARGS),,$(PY) -m tests.support.timings make-test build/test-main.xml build/test-rehearsal.xml;) \
	if [ $$main -ne 0 ] || [ $$status -ne 0 ]; then \
	  $(PY) -m tests.support.summary build/test-main.xml build/test-rehearsal.xml; \
	  echo "make test: FAILED" >&2; exit 1; fi; \
	echo "make test: every tier passed"
test-loaded: venv ## make test from a fresh clone of HEAD beside stress-ng (CPUS busy loops, default one per core); recorded in docs/results/loaded.json
	@$(PY) -m tests.support.loaded run $(if $(CPUS),--cpus $(CPUS))

-include mk/*.mk
