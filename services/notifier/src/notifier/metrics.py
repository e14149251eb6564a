"""The notifier's own metrics (the shared ones come from waops_observability)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

SENDS = Counter(
    "waops_notifier_sends_total",
    "Send attempts to a provider, by provider, message kind and outcome"
    " (sent, retry, drop, halt, deferred)",
    ["provider", "kind", "outcome"],
)
HALTS = Counter(
    "waops_notifier_channel_halts_total",
    "Channels halted by a provider error that needs a human (expired token, policy block)",
    ["provider", "code"],
)
CIRCUIT = Gauge(
    "waops_notifier_circuit_state",
    "A channel's circuit breaker in this process: 0 closed, 1 half-open, 2 open",
    ["channel"],
)
STATUSES = Counter(
    "waops_notifier_statuses_total",
    "Provider status reports, by status and outcome (applied, pending: no send recorded yet"
    " for the id, duplicate)",
    ["status", "outcome"],
)
NOTICES = Counter(
    "waops_notifier_notices_total",
    "Messages the events asked for, by template and outcome (queued; duplicate: the event was"
    " seen before; nobody: a described recipient such as operations resolved to no one;"
    " empty: the template rendered no text)",
    ["template", "outcome"],
)
