"""Lead events published by the core."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from waops_contracts.registry import Event, event


class SalesRep(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")
    user_id: str
    name: str
    phone: str


class LeadFacts(Event):
    """What every lead event says about the lead: enough to message its customer and rep."""

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
class LeadCreated(LeadFacts):
    enquiry_text: str | None = None


_LEAD_EXAMPLE = {
    "lead_id": "5d1c6f0e-8a2b-4c3d-9e4f-5a6b7c8d9e0f",
    "reference": "EBC2501234",
    "tour_code": "EBC",
    "tour_name": "Everest Base Camp Trek",
    "pax": 3,
    "travel_month": "2025-03",
    "customer_phone": "+9779841234567",
    "customer_name": "Asha",
    "assigned_to": {"user_id": "u-1", "name": "Sita Sharma", "phone": "+9779800000001"},
    "conversation_id": "0c7e2f9a-3b1d-4e5f-8a9b-0c1d2e3f4a5b",
    "channel_id": "109876543210",
    "actor": "u-1",
}


class LeadMoved(LeadFacts):
    """What every lead.* transition event carries: the lead, who moved it, from where."""

    previous_state: str
    actor: str | None = None  # the staff id or phone that asked (X-Waops-Actor-Id)


@event(
    "waops.lead.contacted.v1",
    example={**_LEAD_EXAMPLE, "state": "CONTACTED", "previous_state": "NEW"},
)
class LeadContacted(LeadMoved):
    pass


@event(
    "waops.lead.qualified.v1",
    example={**_LEAD_EXAMPLE, "state": "QUALIFIED", "previous_state": "CONTACTED"},
)
class LeadQualified(LeadMoved):
    pass


@event(
    "waops.lead.quoted.v1",
    example={
        **_LEAD_EXAMPLE,
        "state": "QUOTED",
        "previous_state": "QUALIFIED",
        "quote_id": "6e2d7f1a-9b3c-4d5e-8f6a-7b8c9d0e1f2a",
        "total": "3915.00",
        "currency": "USD",
        "valid_until": "2025-01-17T09:30:00+00:00",
    },
)
class LeadQuoted(LeadMoved):
    """The lead's state moved; the quote itself (for the customer) is ``quote.sent``."""

    quote_id: str
    total: str
    currency: str
    valid_until: str


@event(
    "waops.lead.won.v1",
    example={
        **_LEAD_EXAMPLE,
        "state": "WON",
        "previous_state": "QUOTED",
        "booking_id": "7f3e8a2b-0c4d-4e6f-9a7b-8c9d0e1f2a3b",
        "booking_reference": "EBC-2501234",
        "departure_id": "8a4f9b3c-1d5e-4f7a-8b9c-0d1e2f3a4b5c",
        "departure_start": "2025-10-05",
        "departure_end": "2025-10-18",
    },
)
class LeadWon(LeadMoved):
    booking_id: str
    booking_reference: str
    departure_id: str
    departure_start: str
    departure_end: str


@event(
    "waops.lead.lost.v1",
    example={
        **_LEAD_EXAMPLE,
        "state": "LOST",
        "previous_state": "CONTACTED",
        "reason": "booked with another agency",
    },
)
class LeadLost(LeadMoved):
    reason: str


class QuoteDiscount(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")
    kind: str  # EARLY_BIRD | REP_DISCOUNT
    description: str
    amount: str  # decimal string, the currency's major unit ("217.50")


@event(
    "waops.quote.sent.v1",
    example={
        "quote_id": "6e2d7f1a-9b3c-4d5e-8f6a-7b8c9d0e1f2a",
        "lead_id": "5d1c6f0e-8a2b-4c3d-9e4f-5a6b7c8d9e0f",
        "reference": "EBC2501234",
        "tour_code": "EBC",
        "tour_name": "Everest Base Camp Trek",
        "departure_id": "8a4f9b3c-1d5e-4f7a-8b9c-0d1e2f3a4b5c",
        "departure_start": "2025-10-05",
        "departure_end": "2025-10-18",
        "pax": 3,
        "price_per_person": "1450.00",
        "subtotal": "4350.00",
        "discounts": [
            {
                "kind": "EARLY_BIRD",
                "description": "Early bird 10% (more than 90 days ahead)",
                "amount": "435.00",
            }
        ],
        "discount_total": "435.00",
        "total": "3915.00",
        "currency": "USD",
        "valid_until": "2025-01-17T09:30:00+00:00",
        "customer_phone": "+9779841234567",
        "customer_name": "Asha",
        "sales_rep": {"user_id": "u-1", "name": "Sita Sharma", "phone": "+9779800000001"},
        "conversation_id": "0c7e2f9a-3b1d-4e5f-8a9b-0c1d2e3f4a5b",
        "channel_id": "109876543210",
    },
)
class QuoteSent(Event):
    """A priced offer for a lead: everything needed to message the customer about it."""

    quote_id: str
    lead_id: str
    reference: str  # the lead's reference, which the customer quotes back
    tour_code: str
    tour_name: str
    departure_id: str
    departure_start: str
    departure_end: str
    pax: int
    price_per_person: str
    subtotal: str
    discounts: list[QuoteDiscount] = []
    discount_total: str
    total: str
    currency: str
    valid_until: str
    customer_phone: str
    customer_name: str | None = None
    sales_rep: SalesRep | None = None
    conversation_id: str | None = None
    channel_id: str | None = None
