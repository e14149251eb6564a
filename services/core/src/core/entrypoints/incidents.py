"""Incidents over HTTP: reported on a trip by its crew or the office, updated, resolved."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator
from waops_service_kit.api import Call, ListQuery, Reply, Routes, page

from core.adapters import incidents as rows
from core.adapters import trips as trip_rows
from core.domain import incidents as domain
from core.entrypoints.context import use_case
from core.entrypoints.trips import as_uuid, keyset
from core.handlers import incidents
from core.handlers.incidents import IncidentRecord

routes = Routes(tag="incidents", description="Incidents on trips and their resolution")

Severity = Literal["LOW", "MEDIUM", "HIGH", "CRITICAL"]
IncidentState = Literal["OPEN", "IN_PROGRESS", "RESOLVED"]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


def _author_json(author: domain.Author) -> dict[str, Any]:
    return {
        "user_id": author.user_id,
        "name": author.name,
        "phone": author.phone,
        "role": author.role,
    }


def incident_json(incident: domain.Incident) -> dict[str, Any]:
    """An incident as the API lists it (``IncidentSummary``)."""
    return {
        "id": incident.id,
        "trip_id": incident.trip_id,
        "trip_reference": incident.trip_reference,
        "severity": incident.severity,
        "state": incident.state,
        "text": incident.text,
        "reported_by": _author_json(incident.reported_by),
        "reported_at": incident.reported_at.isoformat(),
        "resolved_at": incident.resolved_at.isoformat() if incident.resolved_at else None,
    }


def record_json(record: IncidentRecord) -> dict[str, Any]:
    """An incident with its updates (``IncidentView``)."""
    return {
        **incident_json(record.incident),
        "updates": [
            {
                "id": u.id,
                "text": u.text,
                "author": _author_json(u.author),
                "state_from": u.state_from,
                "state_to": u.state_to,
                "created_at": u.created_at.isoformat(),
            }
            for u in record.updates
        ],
    }


def _upper(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


class IncidentRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    severity: Severity
    text: Text
    _severity = field_validator("severity", mode="before")(_upper)


class IncidentUpdateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: Text
    state: IncidentState | None = Field(default=None, description="move the incident too")
    _state = field_validator("state", mode="before")(_upper)


class ResolveRequest(BaseModel):
    """``{}`` or a resolution note."""

    model_config = ConfigDict(extra="forbid")
    text: Text | None = None


class Author(BaseModel):
    user_id: str
    name: str
    phone: str
    role: str


class IncidentUpdateView(BaseModel):
    id: str
    text: str
    author: Author
    state_from: IncidentState
    state_to: IncidentState
    created_at: str


class IncidentSummary(BaseModel):
    id: str
    trip_id: str
    trip_reference: str
    severity: Severity
    state: IncidentState
    text: str
    reported_by: Author
    reported_at: str
    resolved_at: str | None


class IncidentView(IncidentSummary):
    updates: list[IncidentUpdateView]


class IncidentEnvelope(BaseModel):
    incident: IncidentView


class IncidentList(BaseModel):
    items: list[IncidentSummary]
    next_cursor: str | None


class IncidentQuery(ListQuery):
    trip: str | None = Field(default=None, max_length=80, description="trip id or reference")
    state: IncidentState | None = None


_REFUSALS = (
    (400, "ACTOR_REQUIRED"),
    (403, "NOT_STAFF"),
    (403, "STAFF_INACTIVE"),
    (403, "NOT_ASSIGNED"),
    (409, "IDEMPOTENCY_KEY_REUSED"),
)


@routes.post(
    "/v1/trips/{trip}/incidents",
    body=IncidentRequest,
    response=IncidentEnvelope,
    status=201,
    errors=(*_REFUSALS, (404, "TRIP_NOT_FOUND"), (409, "TRIP_INVALID_TRANSITION")),
)
async def report_incident(call: Call) -> Reply:
    """Report an incident on a trip (its accepted crew, operations or a manager): OPEN."""
    record = await incidents.report(
        use_case(call), call.path["trip"], call.body.severity, call.body.text
    )
    return Reply(
        {"incident": record_json(record)},
        headers={"Location": f"/v1/incidents/{record.incident.id}"},
    )


@routes.post(
    "/v1/incidents/{incident_id}/updates",
    body=IncidentUpdateRequest,
    response=IncidentEnvelope,
    status=201,
    errors=(*_REFUSALS, (404, "INCIDENT_NOT_FOUND"), (409, "INCIDENT_INVALID_TRANSITION")),
)
async def add_incident_update(call: Call) -> dict[str, Any]:
    """Add a note, optionally moving the incident (OPEN → IN_PROGRESS → RESOLVED)."""
    b: IncidentUpdateRequest = call.body
    record = await incidents.add_update(use_case(call), call.path["incident_id"], b.text, b.state)
    return {"incident": record_json(record)}


@routes.post(
    "/v1/incidents/{incident_id}/resolve",
    body=ResolveRequest,
    response=IncidentEnvelope,
    errors=(*_REFUSALS, (404, "INCIDENT_NOT_FOUND"), (409, "INCIDENT_INVALID_TRANSITION")),
)
async def resolve_incident(call: Call) -> dict[str, Any]:
    """Resolve an incident, with an optional note: RESOLVED, the resolution time recorded."""
    record = await incidents.resolve(use_case(call), call.path["incident_id"], call.body.text)
    return {"incident": record_json(record)}


@routes.get(
    "/v1/incidents/{incident_id}",
    response=IncidentEnvelope,
    errors=((404, "INCIDENT_NOT_FOUND"),),
)
async def get_incident(call: Call) -> dict[str, Any]:
    """One incident with its updates (author and time) and resolution time."""
    record = await incidents.incident_view(use_case(call), call.path["incident_id"])
    return {"incident": record_json(record)}


@routes.get("/v1/incidents", query=IncidentQuery, response=IncidentList)
async def list_incidents(call: Call) -> dict[str, Any]:
    """Incidents by report time, filtered by trip (id or reference) and state."""
    q: IncidentQuery = call.query
    trip_id = None
    if q.trip:
        trip = await trip_rows.find_trip(call.conn, call.tenant_id, q.trip)
        if trip is None:
            return {"items": [], "next_cursor": None}
        trip_id = trip.id
    after = keyset(q.cursor, datetime.fromisoformat, as_uuid)
    found = await rows.list_incidents(
        call.conn,
        call.tenant_id,
        trip_id=trip_id,
        state=q.state,
        after=(after[0], after[1]) if after else None,
        limit=q.limit + 1,
    )
    items, cursor = page(found, q.limit, lambda i: [i.reported_at.isoformat(), i.id])
    return {"items": [incident_json(i) for i in items], "next_cursor": cursor}
