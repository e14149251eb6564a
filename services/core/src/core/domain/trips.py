"""The trip of a departure: its life, as a table of transitions.

SCHEDULED ─accept (first accepted assignment)─> STAFF_ASSIGNED ─check_in (lead guide)─>
STARTED ─progress (explicit, or any incident activity)─> IN_PROGRESS ─check_out─> ENDED
(every progress note, the first or a later one, is also posted as ``trip.update_posted``)
─close (operations)─> CLOSED. A short trip may check out straight from STARTED.

Some actions leave the state as it is but are only allowed in certain states (offering
work after the trip ended, reporting an incident on a closed trip are refused); those are
the self-transitions below. Everything not in the table is refused with
``TRIP_INVALID_TRANSITION``. Its reference (``EBC-251005``) is
``waops_contracts.references``'.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from core.domain.errors import invalid_transition

SCHEDULED = "SCHEDULED"
STAFF_ASSIGNED = "STAFF_ASSIGNED"
STARTED = "STARTED"
IN_PROGRESS = "IN_PROGRESS"
ENDED = "ENDED"
CLOSED = "CLOSED"
STATES = (SCHEDULED, STAFF_ASSIGNED, STARTED, IN_PROGRESS, ENDED, CLOSED)

OFFER = "OFFER_ASSIGNMENT"
ACCEPT = "ACCEPT_ASSIGNMENT"
CHECK_IN = "CHECK_IN"
PROGRESS = "REPORT_PROGRESS"
CHECK_OUT = "CHECK_OUT"
CLOSE = "CLOSE"
INCIDENT = "REPORT_INCIDENT"
ACTIONS = (OFFER, ACCEPT, CHECK_IN, PROGRESS, CHECK_OUT, CLOSE, INCIDENT)

_BEFORE_END = (SCHEDULED, STAFF_ASSIGNED, STARTED, IN_PROGRESS)

TRANSITIONS: dict[tuple[str, str], str] = {
    **{(s, OFFER): s for s in _BEFORE_END},
    (SCHEDULED, ACCEPT): STAFF_ASSIGNED,
    **{(s, ACCEPT): s for s in (STAFF_ASSIGNED, STARTED, IN_PROGRESS)},
    (STAFF_ASSIGNED, CHECK_IN): STARTED,
    (STARTED, PROGRESS): IN_PROGRESS,
    (IN_PROGRESS, PROGRESS): IN_PROGRESS,  # later news from the trail
    (STARTED, CHECK_OUT): ENDED,
    (IN_PROGRESS, CHECK_OUT): ENDED,
    (ENDED, CLOSE): CLOSED,
    # An incident after the start is activity: the trip is under way.
    **{(s, INCIDENT): s for s in (SCHEDULED, STAFF_ASSIGNED, IN_PROGRESS, ENDED)},
    (STARTED, INCIDENT): IN_PROGRESS,
}


def next_state(state: str, action: str) -> str:
    """The state after ``action``, or the ``TRIP_INVALID_TRANSITION`` refusal."""
    try:
        return TRANSITIONS[(state, action)]
    except KeyError:
        raise invalid_transition("TRIP", state, action) from None


def allowed(state: str, action: str) -> bool:
    return (state, action) in TRANSITIONS


@dataclass(frozen=True)
class Departure:
    """The departure a trip runs: its tour and its dates."""

    id: str
    tour_code: str
    tour_name: str
    start_date: date
    end_date: date


@dataclass(frozen=True)
class Trip:
    """A departure's trip: the aggregate check-in, progress, check-out and closing move."""

    id: str
    reference: str
    state: str
    departure: Departure
    started_at: datetime | None
    in_progress_at: datetime | None
    ended_at: datetime | None
    end_note: str | None
    closed_at: datetime | None
    created_at: datetime

    def after(self, action: str) -> str:
        """The state ``action`` takes this trip to, or ``TRIP_INVALID_TRANSITION``."""
        return next_state(self.state, action)
