"""Trip and staff-assignment events published by the core, and the payroll entry a trip earns.

Each carries what the notifier needs without calling back: the trip reference field staff
type over WhatsApp (``CHECKIN EBC-251005``), the tour and dates, the lead guide's name and
phone, and the travellers (every confirmed or active booking with the customer's phone) so
the customers can be told the trip started and who their guide is.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from waops_contracts.registry import Event, event


class StaffContact(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")
    user_id: str
    name: str
    phone: str
    kind: str | None = None


class CrewMember(BaseModel):
    """An accepted assignment: who, and their role on the trip."""

    model_config = ConfigDict(frozen=True, extra="ignore")
    user_id: str
    name: str
    phone: str
    role: str  # LEAD_GUIDE | GUIDE | DRIVER | PORTER


class Traveller(BaseModel):
    """A booking on the departure: whom to tell, and for how many people."""

    model_config = ConfigDict(frozen=True, extra="ignore")
    booking_id: str
    reference: str
    customer_phone: str
    customer_name: str | None = None
    pax: int


_LEAD = {"user_id": "u-4", "name": "Pemba Sherpa", "phone": "+9779800000004", "kind": "guide"}
_TRAVELLER = {
    "booking_id": "9c1d2e3f-4a5b-4c6d-8e7f-8a9b0c1d2e3f",
    "reference": "EBC2501234",
    "customer_phone": "+9779841234567",
    "customer_name": "Asha",
    "pax": 3,
}
_TRIP = {
    "trip_id": "3f2e1d0c-9b8a-4765-8432-10fedcba9876",
    "reference": "EBC-251005",
    "departure_id": "6e5d4c3b-2a19-4807-9f6e-5d4c3b2a1908",
    "tour_code": "EBC",
    "tour_name": "Everest Base Camp Trek",
    "start_date": "2025-10-05",
    "end_date": "2025-10-18",
    "lead_guide": _LEAD,
    "crew": [
        {"user_id": "u-4", "name": "Pemba Sherpa", "phone": "+9779800000004", "role": "LEAD_GUIDE"}
    ],
    "travellers": [_TRAVELLER],
}


class TripEvent(Event):
    """What every trip.* event carries; ``state`` is the trip's state after the change."""

    trip_id: str
    reference: str
    state: str
    departure_id: str
    tour_code: str
    tour_name: str
    start_date: str
    end_date: str
    lead_guide: StaffContact | None = None
    crew: list[CrewMember] = []
    travellers: list[Traveller] = []
    by: StaffContact | None = None  # who caused it (check-in, check-out, close)
    note: str | None = None
    occurred_at: str | None = None


@event("waops.trip.staff_assigned.v1", example={**_TRIP, "state": "STAFF_ASSIGNED"})
class TripStaffAssigned(TripEvent):
    """The first accepted assignment: the trip has staff."""


@event(
    "waops.trip.started.v1",
    example={**_TRIP, "state": "STARTED", "by": _LEAD, "occurred_at": "2025-10-05T05:30:00Z"},
)
class TripStarted(TripEvent):
    """The lead guide checked in; the departure's bookings are now ACTIVE."""


@event("waops.trip.in_progress.v1", example={**_TRIP, "state": "IN_PROGRESS"})
class TripInProgress(TripEvent):
    """The first activity reported after the start (a progress note or an incident)."""


@event(
    "waops.trip.update_posted.v1",
    example={
        **_TRIP,
        "state": "IN_PROGRESS",
        "by": _LEAD,
        "note": "At Namche Bazaar, everyone acclimatising well.",
        "occurred_at": "2025-10-07T12:00:00Z",
    },
)
class TripUpdatePosted(TripEvent):
    """News from the trail (a crew member's or the office's progress note): every one of
    them, the first also moving the trip IN_PROGRESS (``trip.in_progress``)."""


@event(
    "waops.trip.ended.v1",
    example={**_TRIP, "state": "ENDED", "by": _LEAD, "note": "All back in Lukla, no issues."},
)
class TripEnded(TripEvent):
    """The lead guide checked out; the bookings are COMPLETED and the crew earned their pay.
    ``travellers`` are those who were on the trip (taken before completion)."""


@event("waops.trip.closed.v1", example={**_TRIP, "state": "CLOSED", "travellers": []})
class TripClosed(TripEvent):
    """Operations closed the trip: nothing more happens on it."""


_ASSIGNMENT = {
    "assignment_id": "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
    "trip_id": "3f2e1d0c-9b8a-4765-8432-10fedcba9876",
    "trip_reference": "EBC-251005",
    "tour_code": "EBC",
    "tour_name": "Everest Base Camp Trek",
    "start_date": "2025-10-05",
    "end_date": "2025-10-18",
    "staff": _LEAD,
    "role": "LEAD_GUIDE",
    "compensation_amount": "420.00",
    "currency": "USD",
}


class AssignmentEvent(Event):
    assignment_id: str
    trip_id: str
    trip_reference: str
    state: str
    tour_code: str
    tour_name: str
    start_date: str
    end_date: str
    staff: StaffContact
    role: str
    compensation_amount: str
    currency: str


@event("waops.assignment.offered.v1", example={**_ASSIGNMENT, "state": "OFFERED"})
class AssignmentOffered(AssignmentEvent):
    """Work offered to a field staff member; they answer ACCEPT or DECLINE."""


@event("waops.assignment.accepted.v1", example={**_ASSIGNMENT, "state": "ACCEPTED"})
class AssignmentAccepted(AssignmentEvent):
    pass


@event(
    "waops.assignment.declined.v1",
    example={**_ASSIGNMENT, "state": "DECLINED", "reason": "Family wedding that week."},
)
class AssignmentDeclined(AssignmentEvent):
    reason: str | None = None  # what the staff member said, if anything


@event(
    "waops.payroll.entry_created.v1",
    example={
        "entry_id": "0f1e2d3c-4b5a-4968-8776-5544332211ff",
        "assignment_id": "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
        "trip_id": "3f2e1d0c-9b8a-4765-8432-10fedcba9876",
        "trip_reference": "EBC-251005",
        "staff": _LEAD,
        "role": "LEAD_GUIDE",
        "amount": "420.00",
        "currency": "USD",
        "earned_at": "2025-10-18T16:00:00Z",
    },
)
class PayrollEntryCreated(Event):
    """A crew member earned their compensation: the trip they were accepted on ended."""

    entry_id: str
    assignment_id: str
    trip_id: str
    trip_reference: str
    staff: StaffContact
    role: str
    amount: str
    currency: str
    earned_at: str
