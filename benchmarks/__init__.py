"""Benchmarks: run with ``make bench``; each writes a report under reports/."""
