"""Staff assignments on a trip: offered, then accepted or declined by the staff member.

OFFERED ─accept─> ACCEPTED, OFFERED ─decline─> DECLINED; both answers are final (anything
else is refused with ``ASSIGNMENT_INVALID_TRANSITION``). An offered or accepted assignment is
*live*: it books the staff member for the departure's dates, so no other live assignment of
theirs may overlap them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from core.domain.errors import RuleViolation, invalid_transition

OFFERED = "OFFERED"
ACCEPTED = "ACCEPTED"
DECLINED = "DECLINED"
STATES = (OFFERED, ACCEPTED, DECLINED)
LIVE = (OFFERED, ACCEPTED)

ACCEPT = "ACCEPT"
DECLINE = "DECLINE"
ACTIONS = (ACCEPT, DECLINE)

TRANSITIONS: dict[tuple[str, str], str] = {
    (OFFERED, ACCEPT): ACCEPTED,
    (OFFERED, DECLINE): DECLINED,
}

LEAD_GUIDE = "LEAD_GUIDE"
TRIP_ROLES = ("LEAD_GUIDE", "GUIDE", "DRIVER", "PORTER")
# The kind of field staff each role on a trip needs.
KIND_FOR_ROLE = {"LEAD_GUIDE": "guide", "GUIDE": "guide", "DRIVER": "driver", "PORTER": "porter"}


def next_state(state: str, action: str) -> str:
    try:
        return TRANSITIONS[(state, action)]
    except KeyError:
        raise invalid_transition("ASSIGNMENT", state, action) from None


@dataclass(frozen=True)
class Assignment:
    """Work on a trip offered to a staff member: the aggregate their answer moves."""

    id: str
    trip_id: str
    trip_reference: str
    staff_id: str
    staff_name: str
    staff_phone: str
    staff_kind: str | None
    staff_active: bool
    role: str
    compensation_amount: Decimal
    currency: str
    state: str
    start_date: date
    end_date: date
    offered_at: datetime
    answered_at: datetime | None
    decline_reason: str | None = None

    def after(self, action: str) -> str:
        """The state ``action`` takes this assignment to, or ``ASSIGNMENT_INVALID_TRANSITION``."""
        return next_state(self.state, action)


def check_role_fits(trip_role: str, kind: str | None) -> None:
    """A porter does not lead the group, a guide does not drive the jeep."""
    needed = KIND_FOR_ROLE[trip_role]
    if kind != needed:
        raise RuleViolation(
            "STAFF_KIND_MISMATCH",
            f"a {trip_role} must be a {needed}, not a {kind}",
            role=trip_role,
            kind=kind,
        )


@dataclass(frozen=True)
class Booked:
    """A live assignment of the staff member: which trip, and its dates."""

    trip_reference: str
    start_date: date
    end_date: date


def overlaps(a_start: date, a_end: date, b_start: date, b_end: date) -> bool:
    """Inclusive day ranges: a trip ending on the 5th and one starting on the 5th overlap
    (the guide is still walking down that day)."""
    return a_start <= b_end and b_start <= a_end


def check_free(start: date, end: date, booked: list[Booked]) -> None:
    for other in booked:
        if overlaps(start, end, other.start_date, other.end_date):
            raise RuleViolation(
                "STAFF_DOUBLE_BOOKED",
                f"already booked on trip {other.trip_reference}"
                f" ({other.start_date.isoformat()} to {other.end_date.isoformat()})",
                trip_reference=other.trip_reference,
            )


def check_lead_guide_free(trip_role: str, live_roles: list[str]) -> None:
    """One live lead guide per trip: customers are told who leads them."""
    if trip_role == LEAD_GUIDE and LEAD_GUIDE in live_roles:
        raise RuleViolation("LEAD_GUIDE_TAKEN", "this trip already has a lead guide offered")
