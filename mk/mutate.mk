# Mutation testing as a measure of the tests, not a gate: `make test` does
# not run it. mutmut lives in its own venv (.venv-mutate) pinned by
# requirements-mutate.txt on top of the dev requirements.

MUTATE_VENV := .venv-mutate
MUTATE_STAMP := $(MUTATE_VENV)/.installed
MUTATE_ARGS ?=

.PHONY: mutate

mutate: $(MUTATE_STAMP) ## Mutation score of the core modules (~15 min, 2 cores): docs/results/mutation.json
	@nice $(MUTATE_VENV)/bin/python tests/mutation/run.py $(MUTATE_ARGS)

$(MUTATE_STAMP): requirements-dev.txt requirements-mutate.txt
	@test -x $(MUTATE_VENV)/bin/python || $(PYTHON_BOOT) -m venv $(MUTATE_VENV)
	@echo "==> installing mutmut and the pinned dev requirements into $(MUTATE_VENV)"
	@$(MUTATE_VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt -r requirements-mutate.txt
	@touch $@
