"""Lead rules: what a new lead holds, which sales rep gets it, and the
sales pipeline it moves through.

The pipeline (``LEAD_TRANSITIONS`` is the whole of it)::

    action    from                                  to
    contact   NEW                                   CONTACTED
    qualify   NEW, CONTACTED                        QUALIFIED
    quote     NEW, CONTACTED, QUALIFIED, QUOTED     QUOTED
    convert   QUALIFIED, QUOTED                     WON (a booking is held)
    lose      NEW, CONTACTED, QUALIFIED, QUOTED     LOST

- Skips forward are allowed where the work was already done: an enquiry that carries
  everything (tour, dates, pax) can be qualified without a separate contact step, and a rep
  may send a quote straight away (NEW/CONTACTED → QUOTED). A quoted lead can be quoted again
  (a new price, another departure): it stays QUOTED.
- WON only by conversion into a booking, and only once the lead is QUALIFIED or QUOTED: a
  booking needs a customer someone has talked to.
- LOST from any open state, with a reason. WON and LOST are final: a returning customer is a
  new lead.
Every other (state, action) pair is refused with ``LEAD_INVALID_TRANSITION``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime

from core.domain.errors import invalid_transition

NEW = "NEW"
CONTACTED = "CONTACTED"
QUALIFIED = "QUALIFIED"
QUOTED = "QUOTED"
WON = "WON"
LOST = "LOST"
LEAD_STATES = (NEW, CONTACTED, QUALIFIED, QUOTED, WON, LOST)
OPEN_STATES = frozenset({NEW, CONTACTED, QUALIFIED, QUOTED})
FINAL_STATES = frozenset({WON, LOST})

CONTACT = "CONTACT"
QUALIFY = "QUALIFY"
QUOTE = "QUOTE"
CONVERT = "CONVERT"
LOSE = "LOSE"
LEAD_ACTIONS = (CONTACT, QUALIFY, QUOTE, CONVERT, LOSE)

LEAD_TRANSITIONS: dict[tuple[str, str], str] = {
    (NEW, CONTACT): CONTACTED,
    (NEW, QUALIFY): QUALIFIED,
    (CONTACTED, QUALIFY): QUALIFIED,
    (NEW, QUOTE): QUOTED,
    (CONTACTED, QUOTE): QUOTED,
    (QUALIFIED, QUOTE): QUOTED,
    (QUOTED, QUOTE): QUOTED,
    (QUALIFIED, CONVERT): WON,
    (QUOTED, CONVERT): WON,
    **{(state, LOSE): LOST for state in (NEW, CONTACTED, QUALIFIED, QUOTED)},
}


def next_lead_state(state: str, action: str) -> str:
    """The state ``action`` takes a lead in ``state`` to, or ``LEAD_INVALID_TRANSITION``."""
    try:
        return LEAD_TRANSITIONS[(state, action)]
    except KeyError:
        raise invalid_transition("lead", state, action) from None


@dataclass(frozen=True)
class AssignedRep:
    """The sales rep a lead is assigned to, as the lead shows them."""

    user_id: str
    name: str
    phone: str


@dataclass(frozen=True)
class Lead:
    """A lead, with its tour's name and its rep: the aggregate the pipeline moves."""

    id: str
    reference: str
    state: str
    tour_code: str
    tour_name: str
    pax: int
    travel_month: str | None
    travel_date: date | None
    customer_phone: str
    customer_name: str | None
    assigned_to: AssignedRep | None
    conversation_id: str | None
    channel_id: str | None
    enquiry_text: str | None
    created_at: datetime
    lost_reason: str | None = None
    booking_id: str | None = None  # the booking it converted into
    state_changed_at: datetime | None = None

    def next_state(self, action: str) -> str:
        """The state ``action`` takes this lead to, or ``LEAD_INVALID_TRANSITION``."""
        return next_lead_state(self.state, action)

    def moved(
        self,
        action: str,
        now: datetime,
        *,
        lost_reason: str | None = None,
        booking_id: str | None = None,
    ) -> Lead:
        """This lead after ``action`` (a reason and a booking, when given, replace the old)."""
        return replace(
            self,
            state=self.next_state(action),
            state_changed_at=now,
            lost_reason=lost_reason if lost_reason is not None else self.lost_reason,
            booking_id=booking_id if booking_id is not None else self.booking_id,
        )


class InconsistentTravelDates(ValueError):
    pass


@dataclass(frozen=True)
class LeadDraft:
    """A validated, normalized request for a lead (phone in E.164, tour code upper-case)."""

    tour_code: str
    pax: int
    customer_phone: str
    travel_month: str | None = None  # "YYYY-MM"
    travel_date: date | None = None
    customer_name: str | None = None
    conversation_id: str | None = None
    channel_id: str | None = None
    enquiry_text: str | None = None

    def fingerprint(self) -> str:
        """Stable hash of the request: the same Idempotency-Key must come with the same one."""
        canonical = json.dumps(asdict(self), sort_keys=True, default=str, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


def resolve_travel_month(travel_month: str | None, travel_date: date | None) -> str | None:
    """The month of travel: given, or taken from the date; both must then agree."""
    if travel_date is None:
        return travel_month
    from_date = travel_date.strftime("%Y-%m")
    if travel_month is not None and travel_month != from_date:
        raise InconsistentTravelDates(
            f"travel_date {travel_date.isoformat()} is not in travel_month {travel_month}"
        )
    return from_date


def travel_year(travel_month: str | None, travel_date: date | None, today: date) -> int:
    if travel_date is not None:
        return travel_date.year
    if travel_month is not None:
        return int(travel_month[:4])
    return today.year


@dataclass(frozen=True)
class RepLoad:
    """An active sales rep, with how many NEW leads they hold and when they last got one."""

    user_id: str
    name: str
    phone: str
    open_leads: int
    last_assigned_seq: int | None  # None: never assigned


def choose_rep(candidates: Sequence[RepLoad]) -> RepLoad | None:
    """Fewest open leads first; among equals, the one who waited longest (never-assigned
    first), then by id so the choice is deterministic."""
    if not candidates:
        return None
    return min(
        candidates,
        key=lambda r: (
            r.open_leads,
            r.last_assigned_seq is not None,
            r.last_assigned_seq or 0,
            r.user_id,
        ),
    )
