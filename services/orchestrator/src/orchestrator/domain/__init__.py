"""The orchestrator's rules, free of I/O."""
