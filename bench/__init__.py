"""Benchmarks (`make bench`): figures are ratios against baselines run side by side."""
