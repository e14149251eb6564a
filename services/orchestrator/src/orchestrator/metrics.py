"""The orchestrator's own metrics (the shared ones come from waops_observability)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

from orchestrator.adapters.circuit_breaker import State

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
CORE_CIRCUIT = Gauge(
    "waops_orchestrator_core_circuit_state",
    "The core's circuit breaker: 0 closed, 1 half-open, 2 open",
)
_CIRCUIT_VALUES = {State.CLOSED: 0, State.HALF_OPEN: 1, State.OPEN: 2}


def circuit_changed(state: State) -> None:
    CORE_CIRCUIT.set(_CIRCUIT_VALUES[state])
