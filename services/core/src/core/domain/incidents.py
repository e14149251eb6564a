"""Incidents on a trip: OPEN ─start_work─> IN_PROGRESS ─resolve─> RESOLVED (or resolved
straight from OPEN). Notes can be added while the incident is open; a resolved incident is
final (a new problem is a new incident). Anything else: ``INCIDENT_INVALID_TRANSITION``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

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


@dataclass(frozen=True)
class Author:
    """The staff member who reported an incident or wrote an update."""

    user_id: str
    name: str
    phone: str
    role: str


@dataclass(frozen=True)
class Incident:
    """An incident on a trip: the aggregate its updates move."""

    id: str
    trip_id: str
    trip_reference: str
    severity: str
    state: str
    text: str
    reported_by: Author
    reported_at: datetime
    resolved_at: datetime | None

    def after_update(self, target: str | None) -> str:
        """The state an update asking for ``target`` (None: a note) takes this incident to,
        or ``INCIDENT_INVALID_TRANSITION``."""
        return next_state(self.state, action_for_update(target))


@dataclass(frozen=True)
class IncidentUpdate:
    """A note or a move on an incident, by whom and from which state to which."""

    id: str
    text: str
    author: Author
    state_from: str
    state_to: str
    created_at: datetime
