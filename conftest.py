pytest_plugins = ["waops_testing.plugin"]
