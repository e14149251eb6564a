"""Test infrastructure shared by every test suite (a pytest plugin: waops_testing.plugin)."""
