"""Benchmarks: one entry point per benchmark; results in bench/README.md."""
