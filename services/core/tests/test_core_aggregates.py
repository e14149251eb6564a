"""The aggregates own their state machines: each move is a method, refusals come from it."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from core.domain import assignments, bookings, incidents, inventory
from core.domain.assignments import Assignment
from core.domain.bookings import Booking
from core.domain.errors import RuleViolation
from core.domain.incidents import Author, Incident
from core.domain.inventory import Hold

NOW = datetime(2026, 3, 1, tzinfo=UTC)


def test_a_booking_answers_its_own_moves() -> None:
    held = Booking("b-1", bookings.HELD, "d-1", 2)
    assert held.after(bookings.REQUEST_PAYMENT) == bookings.PAYMENT_PENDING
    assert held.after(bookings.CANCEL) == bookings.CANCELLED
    with pytest.raises(RuleViolation) as refused:
        Booking("b-1", bookings.COMPLETED, "d-1", 2).after(bookings.CANCEL)
    assert refused.value.code == "BOOKING_INVALID_TRANSITION"


def an_incident(state: str) -> Incident:
    return Incident(
        id="i-1",
        trip_id="t-1",
        trip_reference="EBC-2026-0001-T",
        severity="HIGH",
        state=state,
        text="a porter is unwell",
        reported_by=Author("s-1", "Pemba", "+9779800000010", "GUIDE"),
        reported_at=NOW,
        resolved_at=None,
    )


def test_an_incident_answers_the_state_an_update_asks_for() -> None:
    assert an_incident(incidents.OPEN).after_update(None) == incidents.OPEN
    assert an_incident(incidents.OPEN).after_update(incidents.IN_PROGRESS) == incidents.IN_PROGRESS
    assert an_incident(incidents.IN_PROGRESS).after_update(incidents.RESOLVED) == incidents.RESOLVED
    with pytest.raises(RuleViolation) as refused:
        an_incident(incidents.RESOLVED).after_update(None)
    assert refused.value.code == "INCIDENT_INVALID_TRANSITION"


def a_hold(status: str) -> Hold:
    return Hold("h-1", "b-1", "d-1", 2, status, NOW, False, None)


def test_a_hold_is_confirmed_released_or_expired_only_from_where_it_may_be() -> None:
    assert a_hold(inventory.ACTIVE).after(inventory.CONFIRM) == inventory.CONFIRMED
    assert a_hold(inventory.CONFIRMED).after(inventory.RELEASE) == inventory.RELEASED
    assert a_hold(inventory.ACTIVE).after(inventory.EXPIRE) == inventory.EXPIRED
    for status, action in [
        (inventory.CONFIRMED, inventory.EXPIRE),
        (inventory.RELEASED, inventory.CONFIRM),
        (inventory.EXPIRED, inventory.RELEASE),
    ]:
        with pytest.raises(RuleViolation) as refused:
            a_hold(status).after(action)
        assert refused.value.code == "HOLD_INVALID_TRANSITION"


def an_assignment(state: str) -> Assignment:
    return Assignment(
        id="a-1",
        trip_id="t-1",
        trip_reference="EBC-2026-0001-T",
        staff_id="s-1",
        staff_name="Pemba",
        staff_phone="+9779800000010",
        staff_kind="guide",
        staff_active=True,
        role="LEAD_GUIDE",
        compensation_amount=Decimal("120.00"),
        currency="USD",
        state=state,
        start_date=NOW.date(),
        end_date=NOW.date(),
        offered_at=NOW,
        answered_at=None,
    )


def test_an_assignment_is_answered_once() -> None:
    assert an_assignment(assignments.OFFERED).after(assignments.ACCEPT) == assignments.ACCEPTED
    assert an_assignment(assignments.OFFERED).after(assignments.DECLINE) == assignments.DECLINED
    with pytest.raises(RuleViolation) as refused:
        an_assignment(assignments.ACCEPTED).after(assignments.DECLINE)
    assert refused.value.code == "ASSIGNMENT_INVALID_TRANSITION"


def test_a_trip_answers_its_own_moves() -> None:
    from core.domain import trips
    from core.domain.trips import Departure, Trip

    departure = Departure("d-1", "EBC", "Everest Base Camp", NOW.date(), NOW.date())
    scheduled = Trip("t-1", "EBC-260301", trips.SCHEDULED, departure, *[None] * 5, NOW)
    closed = Trip("t-1", "EBC-260301", trips.CLOSED, departure, *[None] * 5, NOW)
    assert scheduled.after(trips.INCIDENT) == trips.SCHEDULED
    with pytest.raises(RuleViolation) as refused:
        closed.after(trips.INCIDENT)
    assert refused.value.code == "TRIP_INVALID_TRANSITION"
