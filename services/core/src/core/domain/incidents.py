"""Incidents on a trip: OPEN ─start_work─> IN_PROGRESS ─resolve─> RESOLVED (or resolved
straight from OPEN). Notes can be added while the incident is open; a resolved incident is
final (a new problem is a new incident). Anything else: ``INCIDENT_INVALID_TRANSITION``."""

from __future__ import annotations

from core.domain.errors import invalid_transition

OPEN = "OPEN"
IN_PROGRESS = "IN_PROGRESS"
RESOLVED = "RESOLVED"
STATES = (OPEN, IN_PROGRESS, RESOLVED)
SEVERITIES = ("LOW", "MEDIUM", "HIGH", "CRITICAL")

NOTE = "ADD_NOTE"
START_WORK = "START_WORK"
RESOLVE = "RESOLVE"
REOPEN = "REOPEN"
ACTIONS = (NOTE, START_WORK, RESOLVE, REOPEN)

TRANSITIONS: dict[tuple[str, str], str] = {
    (OPEN, NOTE): OPEN,
    (IN_PROGRESS, NOTE): IN_PROGRESS,
    (OPEN, START_WORK): IN_PROGRESS,
    (OPEN, RESOLVE): RESOLVED,
    (IN_PROGRESS, RESOLVE): RESOLVED,
}

# An update asking for a state names the action that reaches it.
ACTION_FOR_TARGET = {OPEN: REOPEN, IN_PROGRESS: START_WORK, RESOLVED: RESOLVE}


def next_state(state: str, action: str) -> str:
    try:
        return TRANSITIONS[(state, action)]
    except KeyError:
        raise invalid_transition("INCIDENT", state, action) from None


def action_for_update(target: str | None) -> str:
    return NOTE if target is None else ACTION_FOR_TARGET[target]
