"""Benchmarks: zone-scale dataset (seed.py), the load run (run.py), the SLA sweep and notifications."""
