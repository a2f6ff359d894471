# The local stack (docs/local.md): the whole system on 127.0.0.1, no Docker,
# no AWS. Ports, state and extra flags are variables, e.g.
#   make dev API_PORT=3100 DEV_ARGS="--cache-key-drop min_price --concurrency 2"

API_PORT ?= 3000
WEB_PORT ?= 8080
MOTO_PORT ?= 3001
STATE_DIR ?= .local
DEV_ARGS ?=

.PHONY: dev invoke dev-timings

dev: venv ## Run the whole system locally (API :3000, storefront :8080, moto, SQLite) until Ctrl-C
	@$(PY) -m local.stack --api-port $(API_PORT) --web-port $(WEB_PORT) --moto-port $(MOTO_PORT) --state-dir "$(STATE_DIR)" $(DEV_ARGS)

# FN defaults to api (deploy.mk sets it for `make logs` and `make rollback`).
invoke: venv ## Invoke one function locally: make invoke FN=report|warmer|migrate|api [EVENT=file.json]
	@$(PY) -m local.invoke "$(FN)" --state-dir "$(STATE_DIR)" $(if $(EVENT),--event "$(EVENT)")

dev-timings: venv ## Time `make dev`'s first start, restart and requests (3 runs): docs/results/local.json
	@$(PY) -m local.timings
