"""Lead events published by the core."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from waops_contracts.registry import Event, event


class SalesRep(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")
    user_id: str
    name: str
    phone: str


@event(
    "waops.lead.created.v1",
    example={
        "lead_id": "5d1c6f0e-8a2b-4c3d-9e4f-5a6b7c8d9e0f",
        "reference": "EBC2501234",
        "state": "NEW",
        "tour_code": "EBC",
        "tour_name": "Everest Base Camp Trek",
        "pax": 3,
        "travel_month": "2025-03",
        "customer_phone": "+9779841234567",
        "customer_name": "Asha",
        "assigned_to": {"user_id": "u-1", "name": "Sita Sharma", "phone": "+9779800000001"},
        "conversation_id": "0c7e2f9a-3b1d-4e5f-8a9b-0c1d2e3f4a5b",
        "channel_id": "109876543210",
        "enquiry_text": "Hi! I'm interested in the Everest Base Camp Trek for 3 people in March 2025",
    },
)
class LeadCreated(Event):
    lead_id: str
    reference: str
    state: str
    tour_code: str | None = None
    tour_name: str | None = None
    pax: int | None = None
    travel_month: str | None = None
    customer_phone: str
    customer_name: str | None = None
    assigned_to: SalesRep | None = None
    conversation_id: str | None = None
    channel_id: str | None = None
    enquiry_text: str | None = None
