"""Fixtures of the system suites: the whole stack, really started (see waops_testing.system)."""

from waops_testing.system import start_system

__all__ = ["start_system"]
