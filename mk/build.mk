# Lambda artifacts: build.py turns functions/ into build/*.zip + build/manifest.json,
# which Terraform reads. The wheel cache (~/.cache/shop-build) survives `make clean`.

ARCH ?=
BUILD_ARGS ?=

.PHONY: build clean strip-figures

build: venv ## Build the Lambda zips, layers and build/manifest.json (ARCH=arm64 to override)
	@$(PY) build.py $(if $(ARCH),--arch $(ARCH)) $(BUILD_ARGS)

clean: ## Remove build/ (the wheel cache stays, so the next build needs no network)
	@rm -rf build

strip-figures: venv ## What stripping saves in each layer's shared objects: docs/results/strip.json
	@$(PY) -m buildlib.strip_figures
