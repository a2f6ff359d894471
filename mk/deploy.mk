# Day-to-day operations of a stage, driven from Python (deploy/): each step is
# printed with its duration and any failure says what to do next.

FN ?= api
SINCE ?= 10
ALLOW_DIRTY ?=
YES ?=
VAR_FILE ?=
RDS_CA_URL := https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem
RDS_CA := functions/shop/certs/rds-global-bundle.pem
AMAZON_CA := functions/shop/certs/amazon-root-cas.pem

.PHONY: deploy destroy rollback releases drift logs rds-ca bootstrap rehearse

bootstrap: venv ## Once per account: state bucket, API Gateway logging role, CI's OIDC roles (terraform/bootstrap/)
	@$(PY) -m deploy bootstrap $(if $(VAR_FILE),--var-file "$(VAR_FILE)")

rehearse: venv ## Apply ENV=dev|qa|prod|bootstrap (default dev) to a local moto, re-plan, read back, destroy (CYCLES=2: twice)
	@$(PY) -m deploy rehearse --env "$(or $(ENV),dev)" --cycles "$(or $(CYCLES),1)"

deploy: venv ## Build, plan, apply ENV=<stage>, migrate, canary through CodeDeploy, upload web/, smoke-test, record
	@$(PY) -m deploy deploy --env "$(ENV)" $(if $(ALLOW_DIRTY),--allow-dirty)

destroy: venv ## Destroy ENV=<stage> (asks for the stage name unless YES=1)
	@$(PY) -m deploy destroy --env "$(ENV)" $(if $(YES),--yes)

rollback: venv ## Return every alias of ENV=<stage> to the last release that served before the serving one (through CodeDeploy)
	@$(PY) -m deploy rollback --env "$(ENV)"

releases: venv ## List ENV=<stage>'s recorded releases, newest first, marking the serving one
	@$(PY) -m deploy releases --env "$(ENV)"

# Exits 2 when the live stage differs from the state (as plan -detailed-exitcode).
drift: venv ## Refresh-only plan of ENV=<stage>: exit 2 with a summary when live differs from the code
	@$(PY) -m deploy drift --env "$(ENV)"

logs: venv ## Print FN's logs of ENV=<stage> from the last SINCE minutes (FOLLOW=1 keeps tailing)
	@$(PY) -m deploy logs --env "$(ENV)" --fn "$(FN)" --since-minutes "$(SINCE)" $(if $(FOLLOW),--follow)

rds-ca: venv ## Download the RDS CA bundle (direct connections) and write Amazon's root CAs (RDS Proxy)
	@mkdir -p $(dir $(RDS_CA))
	@$(PY) -m buildlib.trust $(AMAZON_CA)
	@curl -fsSL --retry 3 -o $(RDS_CA).tmp $(RDS_CA_URL) && mv $(RDS_CA).tmp $(RDS_CA)
	@echo "==> $(RDS_CA) ($$(grep -c 'BEGIN CERTIFICATE' $(RDS_CA)) certificates); commit it"

