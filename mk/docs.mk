# Docs: every figure in README.md and docs/ is rendered from its source
# (docs/figures.py); tests/unit/test_docs_figures.py fails on drift.

.PHONY: docs docs-check

docs: venv ## Render every figure in README.md and docs/ from results files and code
	@$(PY) -m docs.figures

docs-check: venv ## Fail when a figure in README.md or docs/ differs from its source
	@$(PY) -m docs.figures --check
