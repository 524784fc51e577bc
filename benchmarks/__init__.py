"""Benchmarks: `python -m benchmarks` prints figures (they are not timed tests)."""
