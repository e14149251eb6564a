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
OUTSIDE_WINDOW = Counter(
    "waops_notifier_outside_window_total",
    "Send attempts of a free-form message to a person outside WhatsApp's 24-hour"
    " customer-service window, by provider and outcome (reengagement: sent as the"
    " re-engagement template; no_template: none configured, sent as queued, which the"
    " provider will likely refuse with 131047 / 63016)",
    ["provider", "outcome"],
)
UNKNOWN_OUTCOMES = Counter(
    "waops_notifier_unknown_outcomes_total",
    "Sends whose outcome was unknown (the sender's lease ran out mid-send), by what became of"
    " them: unknown (entered the state), reconciled (a status webhook named the send: it was"
    " accepted, not re-sent), resent (no word from the provider within the window: queued"
    " again; a duplicate if the provider had in fact taken it), failed (re-sending disabled)",
    ["outcome"],
)
UNRECORDED = Counter(
    "waops_notifier_unrecorded_outcomes_total",
    "Send outcomes the dispatcher could not record within its retry window (the database"
    " unreachable); the send becomes 'unknown' when its lease runs out",
    ["outcome"],
)
RECORD_RETRIES = Counter(
    "waops_notifier_record_retries_total",
    "Retries of recording a send's outcome after a transient database failure, by outcome",
    ["outcome"],
)
PENDING = Gauge(
    "waops_notifier_outbound_pending",
    "Outbound messages not yet settled, by status (queued, sending, unknown): the send backlog",
    ["status"],
)
