# Plan review (docs/review.md): the serverless lessons as named checks on a
# plan JSON, markdown to stdout and next to the plan (<plan>.review.md).
# Exceptions live in envs/review-allow.yaml; REVIEW_ARGS passes more flags,
# e.g. REVIEW_ARGS='--allow CHECK_ID:ADDRESS "reason"'.

REVIEW_STAGES := dev qa prod
REVIEW_ARGS ?=

.PHONY: review review-all

review: venv ## Review ENV=<stage>'s plan: build/plans/<stage>.json, else its offline plan (planned if missing)
	@case "$(ENV)" in dev|qa|prod) ;; *) echo "usage: make review ENV=dev|qa|prod" >&2; exit 2;; esac
	@plan=build/plans/$(ENV).json; \
	if [ ! -f "$$plan" ]; then \
	  plan=build/plans/$(ENV).offline.json; \
	  if [ ! -f "$$plan" ]; then $(PY) -m deploy plan --env "$(ENV)" --offline || exit $$?; fi; \
	fi; \
	echo "==> reviewing $$plan"; \
	$(PY) -m review "$$plan" --stage "$(ENV)" --markdown "$${plan%.json}.review.md" $(REVIEW_ARGS)

review-all: venv ## Offline plan + review of dev, qa and prod (what CI checks); fails if any stage fails
	@failed=""; \
	for stage in $(REVIEW_STAGES); do \
	  mkdir -p build/plans; \
	  echo "==> offline plan and review of $$stage (log: build/plans/$$stage.offline.log)"; \
	  if ! $(PY) -m deploy plan --env $$stage --offline > build/plans/$$stage.offline.log 2>&1; then \
	    tail -n 40 build/plans/$$stage.offline.log; failed="$$failed $$stage"; \
	  else grep '^review:' build/plans/$$stage.offline.log; fi; \
	done; \
	if [ -n "$$failed" ]; then echo "review-all: failed:$$failed" >&2; exit 1; fi; \
	echo "review-all: dev, qa and prod pass"
