"""Prometheus metrics shared by every service (the process-wide default registry)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

EVENTS_CONSUMED = Counter(
    "waops_events_consumed_total",
    "Events handled by a consumer, by outcome (handled, duplicate, retried, transient_retried, parked)",
    ["consumer", "event_type", "outcome"],
)
EVENT_HANDLING_SECONDS = Histogram(
    "waops_event_handling_seconds", "Time to handle one event", ["consumer", "event_type"]
)
EVENTS_PUBLISHED = Counter(
    "waops_events_published_total", "Events confirmed by the broker", ["event_type"]
)
OUTBOX_PENDING = Gauge("waops_outbox_pending", "Unpublished outbox rows seen by the relay")
BROKER_CONNECTED = Gauge("waops_broker_connected", "1 while the broker connection is open")
BROKER_RECONNECTS = Counter("waops_broker_reconnects_total", "Broker (re)connections made")
HTTP_REQUESTS = Histogram(
    "waops_http_request_seconds", "HTTP requests served", ["route", "method", "status"]
)
BAD_INPUT = Counter("waops_bad_input_total", "Requests or events refused as bad input", ["reason"])
EVENTS_IN_FLIGHT = Gauge("waops_events_in_flight", "Events being handled right now", ["consumer"])
CIRCUIT_STATE = Gauge(
    "waops_circuit_state",
    "A circuit breaker's state in this process, by breaker and key: 0 closed, 1 half-open, 2 open",
    ["breaker", "key"],
)
QUEUE_DEPTH = Gauge(
    "waops_queue_depth",
    "Messages ready in a queue this process consumes (backlog: how far behind it is),"
    " sampled every few seconds",
    ["queue"],
)
