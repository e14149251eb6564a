"""Staff assignments over HTTP: operations offer trip work, the staff member answers."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from waops_service_kit.api import Call, ListQuery, Reply, Routes, page

from core.adapters import assignments as rows
from core.entrypoints.context import use_case
from core.entrypoints.trips import AssignmentView, as_uuid, assignment_json, keyset
from core.handlers import assignments

routes = Routes(tag="assignments", description="Trip work offered to field staff")

TripRole = Literal["LEAD_GUIDE", "GUIDE", "DRIVER", "PORTER"]


class AssignmentRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    staff_id: uuid.UUID
    role: TripRole
    compensation_amount: Decimal = Field(ge=0, le=Decimal("9999999999.99"), decimal_places=2)
    currency: Annotated[
        str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z]{3}$")
    ] = "USD"


class AssignmentEnvelope(BaseModel):
    assignment: AssignmentView


class AssignmentList(BaseModel):
    items: list[AssignmentView]
    next_cursor: str | None


class AssignmentQuery(ListQuery):
    staff: uuid.UUID | None = None
    state: Literal["OFFERED", "ACCEPTED", "DECLINED"] | None = None


_ANSWER_REFUSALS = (
    (403, "NOT_ASSIGNED"),
    (403, "STAFF_INACTIVE"),
    (404, "ASSIGNMENT_NOT_FOUND"),
    (409, "ASSIGNMENT_INVALID_TRANSITION"),
    (409, "TRIP_INVALID_TRANSITION"),
    (409, "IDEMPOTENCY_KEY_REUSED"),
)


@routes.post(
    "/v1/trips/{trip}/assignments",
    body=AssignmentRequest,
    response=AssignmentEnvelope,
    status=201,
    errors=(
        (400, "ACTOR_REQUIRED"),
        (403, "NOT_STAFF"),
        (403, "OPERATIONS_ONLY"),
        (404, "TRIP_NOT_FOUND"),
        (409, "TRIP_INVALID_TRANSITION"),
        (409, "STAFF_INACTIVE"),
        (409, "NOT_FIELD_STAFF"),
        (409, "STAFF_KIND_MISMATCH"),
        (409, "LEAD_GUIDE_TAKEN"),
        (409, "STAFF_DOUBLE_BOOKED"),
        (409, "IDEMPOTENCY_KEY_REUSED"),
        (422, "UNKNOWN_STAFF"),
    ),
)
async def offer_assignment(call: Call) -> Reply:
    """Offer trip work to an active field staff member (operations or a manager): OFFERED."""
    b: AssignmentRequest = call.body
    created = await assignments.offer(
        use_case(call),
        call.path["trip"],
        str(b.staff_id),
        b.role,
        b.compensation_amount,
        b.currency,
    )
    return Reply(
        {"assignment": assignment_json(created)},
        headers={"Location": f"/v1/assignments/{created.id}"},
    )


@routes.get("/v1/assignments", query=AssignmentQuery, response=AssignmentList)
async def list_assignments(call: Call) -> dict[str, Any]:
    """Assignments by start date, filtered by staff member and state ("my offers")."""
    q: AssignmentQuery = call.query
    found = await rows.list_assignments(
        call.conn,
        call.tenant_id,
        staff_id=str(q.staff) if q.staff else None,
        state=q.state,
        after=keyset(q.cursor, date.fromisoformat, as_uuid),
        limit=q.limit + 1,
    )
    items, cursor = page(found, q.limit, lambda a: [a.start_date.isoformat(), a.id])
    return {"items": [assignment_json(a) for a in items], "next_cursor": cursor}


@routes.get(
    "/v1/assignments/{assignment_id}",
    response=AssignmentEnvelope,
    errors=((404, "ASSIGNMENT_NOT_FOUND"),),
)
async def get_assignment(call: Call) -> dict[str, Any]:
    """One assignment."""
    found = await assignments.find_assignment(use_case(call), call.path["assignment_id"])
    return {"assignment": assignment_json(found)}


@routes.post(
    "/v1/assignments/{assignment_id}/accept",
    response=AssignmentEnvelope,
    errors=_ANSWER_REFUSALS,
)
async def accept_assignment(call: Call) -> dict[str, Any]:
    """The staff member offered accepts: ACCEPTED (the trip's first one: STAFF_ASSIGNED)."""
    accepted = await assignments.accept(use_case(call), call.path["assignment_id"])
    return {"assignment": assignment_json(accepted)}


class DeclineRequest(BaseModel):
    """``{}`` when no reason is given."""

    model_config = ConfigDict(extra="forbid")
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None = None


@routes.post(
    "/v1/assignments/{assignment_id}/decline",
    body=DeclineRequest,
    response=AssignmentEnvelope,
    errors=_ANSWER_REFUSALS,
)
async def decline_assignment(call: Call) -> dict[str, Any]:
    """The staff member offered declines, optionally saying why: DECLINED (their dates are
    free again; operations read the reason on assignment.declined)."""
    reason = call.body.reason or None
    declined = await assignments.decline(use_case(call), call.path["assignment_id"], reason)
    return {"assignment": assignment_json(declined)}
