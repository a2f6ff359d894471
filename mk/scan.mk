# Infrastructure verification (docs/infra-verification.md): security scans of
# every stage's plan, and the apply rehearsal against a local moto server.
# checkov and trivy live in their own venvs (checkov pins an older boto3 than
# .venv), installed from the pinned scan/requirements-*.txt.

SCAN_TOOLS := scan/.venv-checkov/.installed scan/.venv-trivy/.installed
SCAN_ARGS ?=

.PHONY: scan scan-tools scan-lock

scan-tools: $(SCAN_TOOLS) ## Install checkov and trivy, pinned, each in its own venv under scan/

scan/.venv-%/.installed: scan/requirements-%.txt
	@if [ -z "$(PYTHON_BOOT)" ]; then echo "error: python$(PYTHON_VERSION) not found (see make venv)" >&2; exit 1; fi
	@test -x scan/.venv-$*/bin/python || $(PYTHON_BOOT) -m venv scan/.venv-$*
	@echo "==> installing $* into scan/.venv-$*"
	@scan/.venv-$*/bin/pip install --quiet --disable-pip-version-check -r $<
	@touch $@

scan-lock: ## Re-pin scan/requirements-checkov.txt from a fresh install of its checkov version
	@version=$$(sed -n 's/^checkov==//p' scan/requirements-checkov.txt); \
	rm -rf /tmp/shop-scan-lock && $(PYTHON_BOOT) -m venv /tmp/shop-scan-lock && \
	/tmp/shop-scan-lock/bin/pip install --quiet "checkov==$$version" && \
	{ sed -n '/^#/p' scan/requirements-checkov.txt; /tmp/shop-scan-lock/bin/pip freeze; } > scan/requirements-checkov.txt.new && \
	mv scan/requirements-checkov.txt.new scan/requirements-checkov.txt && rm -rf /tmp/shop-scan-lock

scan: venv scan-tools ## Plan dev, qa and prod offline, scan them with checkov and trivy; fails on any unexplained finding
	@$(PY) -m scan.run $(SCAN_ARGS)

# The scan test (tests/scan) needs the tools: `make test` installs them first.
test: scan-tools
