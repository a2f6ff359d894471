# Terraform targets. The root lives in terraform/, per-stage knobs in
# envs/<stage>.tfvars, one workspace per stage. docs/terraform.md explains.

.PHONY: tf-fmt tf-fmt-check tf-validate tf-lock tf-test plan plan-offline

ENV ?=
TF_DIR := terraform

# Without registry access (CI, this workplace) providers come from the
# filesystem mirror, a top-level tf-plugins folder; the shipped CLI config is
# pointed at wherever it is. With no mirror, Terraform uses the registry.
TF_PLUGIN_MIRROR ?= $(firstword $(wildcard /*/tf-plugins))
TF_CLI_CONFIG := build/terraform.tfrc
ifneq ($(TF_PLUGIN_MIRROR),)
TF_ENV := TF_CLI_CONFIG_FILE=$(abspath $(TF_CLI_CONFIG)) TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1
TF_CONFIG_DEP := $(TF_CLI_CONFIG)
else
TF_ENV := TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1
TF_CONFIG_DEP :=
endif
TF := $(TF_ENV) terraform

$(TF_CLI_CONFIG): $(TF_DIR)/mirror.tfrc
	@mkdir -p $(@D)
	@sed 's|"/opt/tf-plugins"|"$(TF_PLUGIN_MIRROR)"|' $< > $@

tf-fmt: ## Format every Terraform file in place
	@terraform fmt -recursive $(TF_DIR)

tf-fmt-check: ## Fail when a Terraform file is not formatted
	@terraform fmt -check -recursive -diff $(TF_DIR)

tf-validate: $(TF_CONFIG_DEP) ## terraform init -backend=false and validate (no AWS needed)
	@$(TF) -chdir=$(TF_DIR) fmt -check -recursive
	@TF_DATA_DIR=$(abspath build/tf-validate) $(TF) -chdir=$(TF_DIR) init -backend=false -input=false >/dev/null
	@TF_DATA_DIR=$(abspath build/tf-validate) $(TF) -chdir=$(TF_DIR) validate

# With a mirror only linux_amd64's package hash can be computed; lock adds it
# to the published zip hashes already in the file and keeps those.
tf-lock: $(TF_CONFIG_DEP) ## Add linux_amd64's package hash to .terraform.lock.hcl (from the mirror when there is one)
	@$(TF) -chdir=$(TF_DIR) providers lock $(if $(TF_PLUGIN_MIRROR),-fs-mirror=$(TF_PLUGIN_MIRROR)) -platform=linux_amd64

tf-test: venv ## Run the infra test tier (fmt, validate, offline plans of every stage)
	@$(PY) -m pytest tests/infra $(PYTEST_ARGS)

plan: venv ## Build, then plan ENV=<stage> against its S3 state into build/plans/<stage>.tfplan and .json
	@$(PY) -m deploy plan --env "$(ENV)"

plan-offline: venv ## Build, then plan ENV=<stage> as CI does: no AWS account, fake credentials, empty local state
	@$(PY) -m deploy plan --env "$(ENV)" --offline
