# Benchmarks: figures are ratios against baselines run side by side on this
# machine; nothing here asserts a time.

.PHONY: bench-artifact

bench-artifact: venv ## Cold start of the built api with and without bytecode (bench/results/)
	@$(PY) -m bench.artifact_coldstart
