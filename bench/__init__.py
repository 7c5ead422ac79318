"""Benchmarks (``make bench``): figures printed side by side with their baselines."""
