"""The orchestrator's own metrics (the shared ones come from waops_observability)."""

from __future__ import annotations

from prometheus_client import Counter

COMMANDS = Counter(
    "waops_orchestrator_commands_total",
    "Commands decided, by command and outcome (succeeded, rejected) and code",
    ["command", "outcome", "code"],
)
CORE_CALLS = Counter(
    "waops_orchestrator_core_calls_total",
    "HTTP attempts to the core, by operation and result (HTTP status or error kind)",
    ["operation", "result"],
)
