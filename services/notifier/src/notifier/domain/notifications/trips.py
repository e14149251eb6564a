"""Trips and their crew: work offered, answers to operations, the group's start and end.

The lead guide who checks in or out gets the ``done.CheckIn`` / ``done.CheckOut`` reply;
these events tell everyone else (operations, except whoever caused the event, and the
travellers of the departure).
"""

from __future__ import annotations

from typing import Any

from waops_contracts.events import (
    AssignmentAccepted,
    AssignmentDeclined,
    AssignmentOffered,
    PayrollEntryCreated,
    TripEnded,
    TripStarted,
    TripUpdatePosted,
)
from waops_contracts.events.trips import AssignmentEvent, TripEvent

from notifier.domain import formatting as fmt
from notifier.domain.formatting import Style
from notifier.domain.notices import Notice, Office, Person, ref, uses

OFFERED = uses("assignment.offered")
ACCEPTED = uses("assignment.accepted")
DECLINED = uses("assignment.declined")
STARTED = uses("trip.started")
STARTED_OPS = uses("trip.started_ops")
UPDATE_OPS = uses("trip.update_posted")
ENDED = uses("trip.ended")
ENDED_OPS = uses("trip.ended_ops")
EARNED = uses("payroll.earned")


def assignment_variables(work: AssignmentEvent) -> dict[str, Any]:
    return {
        "staff_name": work.staff.name,
        "staff": fmt.contact(work.staff.name, work.staff.phone),
        "role": fmt.label(work.role),
        "trip_reference": work.trip_reference,
        "tour_name": work.tour_name,
        "dates": fmt.dates(work.start_date, work.end_date),
        "compensation": fmt.money(work.compensation_amount, work.currency),
    }


def assignment_offered(offer: AssignmentOffered, _: Style) -> list[Notice]:
    """The staff member offered the work, and how to answer it."""
    staff = Person(offer.staff.phone, offer.staff.name)
    about = ref("TRIP", offer.trip_id, offer.trip_reference)
    return [Notice(staff, OFFERED, assignment_variables(offer), about)]


def assignment_answered(answer: AssignmentAccepted | AssignmentDeclined, _: Style) -> list[Notice]:
    """Operations hears the staff member's answer (the staff member got their reply)."""
    template = ACCEPTED if isinstance(answer, AssignmentAccepted) else DECLINED
    about = ref("TRIP", answer.trip_id, answer.trip_reference)
    office = Office(except_phone=answer.staff.phone)
    variables = assignment_variables(answer)
    if isinstance(answer, AssignmentDeclined):
        variables["reason"] = answer.reason or ""  # no reason: its line is left out
    return [Notice(office, template, variables, about)]


def trip_variables(trip: TripEvent) -> dict[str, Any]:
    guide, by = trip.lead_guide, trip.by
    return {
        "reference": trip.reference,
        "tour_name": trip.tour_name,
        "dates": fmt.dates(trip.start_date, trip.end_date),
        "guide_name": guide.name if guide else "",
        "guide_phone": guide.phone if guide else "",
        "by": fmt.contact(by.name, by.phone) if by else "",
        "note": (trip.note or "").strip(),
        "bookings": len(trip.travellers),
        "travellers": sum(t.pax for t in trip.travellers),
    }


def _to_office(trip: TripEvent, template: str, variables: dict[str, Any]) -> Notice:
    office = Office(except_phone=trip.by.phone if trip.by else None)
    return Notice(office, template, variables, ref("TRIP", trip.trip_id, trip.reference))


def _to_travellers(trip: TripEvent, template: str, variables: dict[str, Any]) -> list[Notice]:
    about = ref("TRIP", trip.trip_id, trip.reference)
    return [
        Notice(
            Person(t.customer_phone, t.customer_name),
            template,
            {
                **variables,
                "customer_name": t.customer_name or "",
                "no_name": not t.customer_name,
                "booking_reference": t.reference,
            },
            about,
        )
        for t in trip.travellers
    ]


def trip_started(trip: TripStarted, _: Style) -> list[Notice]:
    """Every traveller: the trip started and who their guide is; operations: it started."""
    variables = trip_variables(trip)
    return [_to_office(trip, STARTED_OPS, variables), *_to_travellers(trip, STARTED, variables)]


def trip_update_posted(trip: TripUpdatePosted, _: Style) -> list[Notice]:
    """Every note from the trail reaches operations (``trip.in_progress``, the state change
    that comes with the first one, tells nobody: the note does)."""
    return [_to_office(trip, UPDATE_OPS, trip_variables(trip))]


def trip_ended(trip: TripEnded, _: Style) -> list[Notice]:
    """Every traveller is thanked and asked for feedback; operations hears it ended."""
    variables = trip_variables(trip)
    return [_to_office(trip, ENDED_OPS, variables), *_to_travellers(trip, ENDED, variables)]


def payroll_entry_created(entry: PayrollEntryCreated, _: Style) -> list[Notice]:
    """The crew member hears what the trip earned them."""
    variables = {
        "staff_name": entry.staff.name,
        "amount": fmt.money(entry.amount, entry.currency),
        "role": fmt.label(entry.role),
        "trip_reference": entry.trip_reference,
    }
    about = ref("TRIP", entry.trip_id, entry.trip_reference)
    return [Notice(Person(entry.staff.phone, entry.staff.name), EARNED, variables, about)]
