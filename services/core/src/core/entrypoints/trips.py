"""Trips over HTTP: one per departure, found by id or reference (``EBC-251005``), checked in
and out by the lead guide, closed by operations (docs/adr/0017)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints
from waops_service_kit.api import Call, ListQuery, Reply, Routes, decode_cursor, page
from waops_service_kit.api.pagination import BadCursor

from core.adapters import assignments as assignment_rows
from core.adapters import trips as trip_rows
from core.domain.assignments import Assignment
from core.domain.trips import Trip
from core.entrypoints.context import use_case
from core.handlers import trips

routes = Routes(tag="trips", description="Trips, check-in and check-out by the crew")

TripState = Literal["SCHEDULED", "STAFF_ASSIGNED", "STARTED", "IN_PROGRESS", "ENDED", "CLOSED"]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]


def keyset(cursor: str | None, *parsers: Callable[[Any], Any]) -> list[Any] | None:
    """A cursor's sort key, each value parsed (a tampered cursor is 400, never a 500)."""
    raw = decode_cursor(cursor, len(parsers))
    if raw is None:
        return None
    try:
        return [parse(value) for parse, value in zip(parsers, raw, strict=True)]
    except (TypeError, ValueError, AttributeError):
        raise BadCursor("BAD_CURSOR", "the cursor is not one this API issued") from None


def as_uuid(value: Any) -> str:
    return str(uuid.UUID(value))


def as_text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("not text")
    return value


class AssignmentView(BaseModel):
    id: str
    trip_id: str
    trip_reference: str
    staff_id: str
    staff_name: str
    staff_phone: str
    role: str
    compensation_amount: str
    currency: str
    state: str
    start_date: str
    end_date: str
    offered_at: str
    answered_at: str | None
    decline_reason: str | None = None


def trip_json(trip: Trip) -> dict[str, Any]:
    """A trip as the API shows it, without its crew."""

    def iso(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "id": trip.id,
        "reference": trip.reference,
        "state": trip.state,
        "departure_id": trip.departure.id,
        "tour_code": trip.departure.tour_code,
        "tour_name": trip.departure.tour_name,
        "start_date": trip.departure.start_date.isoformat(),
        "end_date": trip.departure.end_date.isoformat(),
        "started_at": iso(trip.started_at),
        "in_progress_at": iso(trip.in_progress_at),
        "ended_at": iso(trip.ended_at),
        "end_note": trip.end_note,
        "closed_at": iso(trip.closed_at),
        "created_at": trip.created_at.isoformat(),
    }


def assignment_json(a: Assignment) -> dict[str, Any]:
    """An assignment as the API shows it (``AssignmentView``)."""
    return {
        "id": a.id,
        "trip_id": a.trip_id,
        "trip_reference": a.trip_reference,
        "staff_id": a.staff_id,
        "staff_name": a.staff_name,
        "staff_phone": a.staff_phone,
        "role": a.role,
        "compensation_amount": str(a.compensation_amount),
        "currency": a.currency,
        "state": a.state,
        "start_date": a.start_date.isoformat(),
        "end_date": a.end_date.isoformat(),
        "offered_at": a.offered_at.isoformat(),
        "answered_at": a.answered_at.isoformat() if a.answered_at else None,
        "decline_reason": a.decline_reason,
    }


class TripView(BaseModel):
    id: str
    reference: str
    state: TripState
    departure_id: str
    tour_code: str
    tour_name: str
    start_date: str
    end_date: str
    started_at: str | None
    in_progress_at: str | None
    ended_at: str | None
    end_note: str | None
    closed_at: str | None
    created_at: str
    assignments: list[AssignmentView]


class TripEnvelope(BaseModel):
    trip: TripView


class TripList(BaseModel):
    items: list[TripView]
    next_cursor: str | None


class TripQuery(ListQuery):
    state: TripState | None = None
    departure: uuid.UUID | None = None
    staff: uuid.UUID | None = None


class TripNote(BaseModel):
    """``{}`` when there is nothing to say."""

    model_config = ConfigDict(extra="forbid")
    note: Note | None = None


async def trip_view(call: Call, trip: Trip) -> dict[str, Any]:
    crew = await assignment_rows.assignments_of_trip(call.conn, trip.id)
    return {**trip_json(trip), "assignments": [assignment_json(a) for a in crew]}


_ACTOR_REFUSALS = (
    (400, "ACTOR_REQUIRED"),
    (403, "NOT_STAFF"),
    (403, "STAFF_INACTIVE"),
    (404, "TRIP_NOT_FOUND"),
    (409, "TRIP_INVALID_TRANSITION"),
    (409, "IDEMPOTENCY_KEY_REUSED"),
)


@routes.post(
    "/v1/departures/{departure_id}/trip",
    response=TripEnvelope,
    status=201,
    errors=((404, "DEPARTURE_NOT_FOUND"), (409, "IDEMPOTENCY_KEY_REUSED")),
)
async def open_trip(call: Call) -> Reply:
    """The departure's trip: created SCHEDULED (201), or the existing one (200)."""
    trip, created = await trips.open_trip(use_case(call), call.path["departure_id"])
    return Reply(
        {"trip": await trip_view(call, trip)},
        status=201 if created else 200,
        headers={"Location": f"/v1/trips/{trip.id}"},
    )


@routes.get("/v1/trips", query=TripQuery, response=TripList)
async def list_trips(call: Call) -> dict[str, Any]:
    """Trips by start date, filtered by state, departure and staff (a live assignment)."""
    q: TripQuery = call.query
    rows = await trip_rows.list_trips(
        call.conn,
        call.tenant_id,
        state=q.state,
        departure_id=str(q.departure) if q.departure else None,
        staff_id=str(q.staff) if q.staff else None,
        after=keyset(q.cursor, date.fromisoformat, as_uuid),
        limit=q.limit + 1,
    )
    items, cursor = page(rows, q.limit, lambda t: [t.departure.start_date.isoformat(), t.id])
    return {"items": [await trip_view(call, t) for t in items], "next_cursor": cursor}


@routes.get("/v1/trips/{trip}", response=TripEnvelope, errors=((404, "TRIP_NOT_FOUND"),))
async def get_trip(call: Call) -> dict[str, Any]:
    """One trip, by id or reference (any case: ``ebc-251005``), with its assignments."""
    return {"trip": await trip_view(call, await trips.find_trip(use_case(call), call.path["trip"]))}


@routes.post(
    "/v1/trips/{trip}/check-in",
    body=TripNote,
    response=TripEnvelope,
    errors=(*_ACTOR_REFUSALS, (403, "NOT_ASSIGNED"), (403, "LEAD_GUIDE_ONLY")),
)
async def check_in_trip(call: Call) -> dict[str, Any]:
    """The accepted lead guide checks the group in: STARTED, bookings ACTIVE, trip.started."""
    trip = await trips.check_in(use_case(call), call.path["trip"], call.body.note)
    return {"trip": await trip_view(call, trip)}


@routes.post(
    "/v1/trips/{trip}/progress",
    body=TripNote,
    response=TripEnvelope,
    errors=(*_ACTOR_REFUSALS, (403, "NOT_ASSIGNED"), (422, "NOTE_REQUIRED")),
)
async def report_trip_progress(call: Call) -> dict[str, Any]:
    """News from the field (crew or operations): the first after the start moves the trip
    IN_PROGRESS (trip.in_progress); each one with a note is posted (trip.update_posted). A
    report without a note on a trip already under way is refused (NOTE_REQUIRED)."""
    trip = await trips.report_progress(use_case(call), call.path["trip"], call.body.note)
    return {"trip": await trip_view(call, trip)}


@routes.post(
    "/v1/trips/{trip}/check-out",
    body=TripNote,
    response=TripEnvelope,
    errors=(*_ACTOR_REFUSALS, (403, "NOT_ASSIGNED"), (403, "LEAD_GUIDE_ONLY")),
)
async def check_out_trip(call: Call) -> dict[str, Any]:
    """The lead guide checks the group out: ENDED, bookings COMPLETED, the crew's payroll."""
    trip = await trips.check_out(use_case(call), call.path["trip"], call.body.note)
    return {"trip": await trip_view(call, trip)}


@routes.post(
    "/v1/trips/{trip}/close",
    body=TripNote,
    response=TripEnvelope,
    errors=(*_ACTOR_REFUSALS, (403, "OPERATIONS_ONLY")),
)
async def close_trip(call: Call) -> dict[str, Any]:
    """Operations close an ended trip: CLOSED, nothing more happens on it."""
    trip = await trips.close(use_case(call), call.path["trip"], call.body.note)
    return {"trip": await trip_view(call, trip)}
