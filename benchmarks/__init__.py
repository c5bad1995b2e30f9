"""Benchmarks: `make bench` (or `python -m benchmarks`) runs them and writes results.json."""
