# Failure drills (docs/reliability.md): the local stack against a MariaDB of
# their own, killed, saturated, raced, timed out and fed hostile input. They are
# part of `make test`; this target runs them alone and prints their figures,
# which also land in build/drills/figures.json (`make docs` renders them).

.PHONY: drills

drills: venv ## Run the failure drills alone (DB kill, max_connections, races, timeouts, hostile input); make docs renders their figures
	@$(PY) -m pytest tests/drills -m drills $(PYTEST_ARGS)
