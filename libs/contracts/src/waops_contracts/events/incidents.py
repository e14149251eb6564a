"""Incidents on a trip, published by the core for operations and the affected travellers."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from waops_contracts.events.trips import Traveller
from waops_contracts.registry import Event, event


class IncidentAuthor(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")
    user_id: str
    name: str
    phone: str
    role: str  # FIELD_STAFF | OPERATIONS | MANAGER


_INCIDENT = {
    "incident_id": "7b6a5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d",
    "trip_id": "3f2e1d0c-9b8a-4765-8432-10fedcba9876",
    "trip_reference": "EBC-251005",
    "tour_code": "EBC",
    "tour_name": "Everest Base Camp Trek",
    "severity": "HIGH",
    "text": "Landslide above Namche: the group waits a day in Namche.",
    "author": {
        "user_id": "u-4",
        "name": "Pemba Sherpa",
        "phone": "+9779800000004",
        "role": "FIELD_STAFF",
    },
    "reported_at": "2025-10-07T09:15:00Z",
    "travellers": [
        {
            "booking_id": "9c1d2e3f-4a5b-4c6d-8e7f-8a9b0c1d2e3f",
            "reference": "EBC2501234",
            "customer_phone": "+9779841234567",
            "customer_name": "Asha",
            "pax": 3,
        }
    ],
}


class IncidentEvent(Event):
    """``text`` is what this event adds: the report, the update note or the resolution."""

    incident_id: str
    trip_id: str
    trip_reference: str
    tour_code: str
    tour_name: str
    severity: str
    state: str
    text: str
    author: IncidentAuthor
    reported_at: str
    resolved_at: str | None = None
    travellers: list[Traveller] = []


@event("waops.incident.reported.v1", example={**_INCIDENT, "state": "OPEN"})
class IncidentReported(IncidentEvent):
    pass


@event(
    "waops.incident.updated.v1",
    example={**_INCIDENT, "state": "IN_PROGRESS", "text": "Helicopter booked for tomorrow."},
)
class IncidentUpdated(IncidentEvent):
    pass


@event(
    "waops.incident.resolved.v1",
    example={
        **_INCIDENT,
        "state": "RESOLVED",
        "text": "Trail reopened; the group continues to Dingboche.",
        "resolved_at": "2025-10-08T07:00:00Z",
    },
)
class IncidentResolved(IncidentEvent):
    pass
