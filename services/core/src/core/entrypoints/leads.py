"""Leads over HTTP: the enquiry intake the orchestrator calls, reading and listing leads,
and moving them along the sales pipeline (contact, qualify, lose; quote and convert live
in ``entrypoints.quotes``)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from waops_contracts.limits import (
    MAX_MESSAGE_CHARS,
    MAX_PARTY_SIZE,
    MAX_PHONE_CHARS,
    MIN_PARTY_SIZE,
)
from waops_service_kit.api import Call, ListQuery, Reply, Routes

from core.adapters.leads import find_lead, parse_lead_id
from core.domain.errors import Invalid, NotFound
from core.domain.leads import InconsistentTravelDates, Lead, LeadDraft, resolve_travel_month
from core.domain.phones import InvalidPhone, normalize_phone
from core.entrypoints.context import use_case
from core.entrypoints.fields import PhoneFilter
from core.handlers.leads import contact_lead, create_lead, list_leads, lose_lead, qualify_lead

routes = Routes(tag="leads", description="Enquiries and the sales pipeline")

Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]


class LeadRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    tour_code: Annotated[
        str, StringConstraints(strip_whitespace=True, to_upper=True, min_length=1, max_length=8)
    ]
    pax: int = Field(ge=MIN_PARTY_SIZE, le=MAX_PARTY_SIZE)
    travel_month: Annotated[str, StringConstraints(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")] | None = (
        None
    )
    travel_date: date | None = None
    customer_phone: Annotated[str, StringConstraints(min_length=1, max_length=MAX_PHONE_CHARS)]
    customer_name: Text | None = None
    conversation_id: Text | None = None
    channel_id: Text | None = None
    enquiry_text: Annotated[str, StringConstraints(max_length=MAX_MESSAGE_CHARS)] | None = None


class SalesRepView(BaseModel):
    user_id: str
    name: str
    phone: str


LeadState = Literal["NEW", "CONTACTED", "QUALIFIED", "QUOTED", "WON", "LOST"]


class LeadView(BaseModel):
    id: str
    reference: str
    state: LeadState
    tour_code: str
    tour_name: str
    pax: int
    travel_month: str | None
    travel_date: str | None
    customer_phone: str
    customer_name: str | None
    assigned_to: SalesRepView | None
    conversation_id: str | None
    channel_id: str | None
    enquiry_text: str | None
    created_at: str
    lost_reason: str | None = None
    booking_id: str | None = Field(default=None, description="the booking it converted into")
    state_changed_at: str | None = None


class LeadEnvelope(BaseModel):
    lead: LeadView


class LeadQuery(ListQuery):
    state: LeadState | None = None
    assigned_to: uuid.UUID | None = Field(default=None, description="a sales rep's staff id")
    customer_phone: PhoneFilter = None


class LeadList(BaseModel):
    items: list[LeadView]
    next_cursor: str | None


class LoseRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


def lead_json(lead: Lead) -> dict[str, Any]:
    """The lead as the API shows it (``LeadView``)."""
    rep = lead.assigned_to
    return {
        "id": lead.id,
        "reference": lead.reference,
        "state": lead.state,
        "tour_code": lead.tour_code,
        "tour_name": lead.tour_name,
        "pax": lead.pax,
        "travel_month": lead.travel_month,
        "travel_date": lead.travel_date.isoformat() if lead.travel_date else None,
        "customer_phone": lead.customer_phone,
        "customer_name": lead.customer_name,
        "assigned_to": {"user_id": rep.user_id, "name": rep.name, "phone": rep.phone}
        if rep
        else None,
        "conversation_id": lead.conversation_id,
        "channel_id": lead.channel_id,
        "enquiry_text": lead.enquiry_text,
        "created_at": lead.created_at.isoformat(),
        "lost_reason": lead.lost_reason,
        "booking_id": lead.booking_id,
        "state_changed_at": lead.state_changed_at.isoformat() if lead.state_changed_at else None,
    }


def _draft(req: LeadRequest) -> LeadDraft:
    try:
        phone = normalize_phone(req.customer_phone)
    except InvalidPhone as exc:
        raise Invalid("INVALID_PHONE", str(exc), field="customer_phone") from None
    try:
        month = resolve_travel_month(req.travel_month, req.travel_date)
    except InconsistentTravelDates as exc:
        raise Invalid("INCONSISTENT_TRAVEL_DATES", str(exc)) from None
    return LeadDraft(
        tour_code=req.tour_code,
        pax=req.pax,
        customer_phone=phone,
        travel_month=month,
        travel_date=req.travel_date,
        customer_name=req.customer_name or None,
        conversation_id=req.conversation_id or None,
        channel_id=req.channel_id or None,
        enquiry_text=req.enquiry_text or None,
    )


@routes.post(
    "/v1/leads",
    body=LeadRequest,
    response=LeadEnvelope,
    status=201,
    idempotency="required",
    errors=(
        (400, "IDEMPOTENCY_KEY_REQUIRED"),
        (409, "IDEMPOTENCY_KEY_REUSED"),
        (422, "UNKNOWN_TOUR"),
        (422, "INVALID_PHONE"),
        (422, "INCONSISTENT_TRAVEL_DATES"),
    ),
)
async def post_lead(call: Call) -> Reply:
    """Create a lead from an enquiry, assign a sales rep and publish lead.created."""
    lead = await create_lead(use_case(call), _draft(call.body))
    return Reply({"lead": lead_json(lead)}, headers={"Location": f"/v1/leads/{lead.id}"})


@routes.get("/v1/leads/{lead_id}", response=LeadEnvelope, errors=((404, "LEAD_NOT_FOUND"),))
async def get_lead(call: Call) -> dict[str, Any]:
    """One lead, with its tour and its sales rep."""
    raw_id = call.path["lead_id"]
    lead_id = parse_lead_id(raw_id)
    lead = await find_lead(call.conn, call.tenant_id, lead_id) if lead_id else None
    if lead is None:
        raise NotFound("LEAD_NOT_FOUND", "no such lead", id=raw_id)
    return {"lead": lead_json(lead)}


MOVE_ERRORS = ((404, "LEAD_NOT_FOUND"), (409, "LEAD_INVALID_TRANSITION"))


@routes.get("/v1/leads", query=LeadQuery, response=LeadList, errors=((400, "BAD_CURSOR"),))
async def get_leads(call: Call) -> dict[str, Any]:
    """Leads, newest first, filtered by state, sales rep or customer phone (paginated)."""
    q: LeadQuery = call.query
    found = await list_leads(
        use_case(call),
        state=q.state,
        assigned_to=str(q.assigned_to) if q.assigned_to else None,
        customer_phone=q.customer_phone,
        cursor=q.cursor,
        limit=q.limit,
    )
    return {"items": [lead_json(lead) for lead in found.items], "next_cursor": found.next_cursor}


@routes.post("/v1/leads/{lead_id}/contact", response=LeadEnvelope, errors=MOVE_ERRORS)
async def contact(call: Call) -> dict[str, Any]:
    """A rep reached the customer: NEW → CONTACTED (lead.contacted)."""
    return {"lead": lead_json(await contact_lead(use_case(call), call.path["lead_id"]))}


@routes.post("/v1/leads/{lead_id}/qualify", response=LeadEnvelope, errors=MOVE_ERRORS)
async def qualify(call: Call) -> dict[str, Any]:
    """The customer means it (tour, dates, pax known): → QUALIFIED (lead.qualified)."""
    return {"lead": lead_json(await qualify_lead(use_case(call), call.path["lead_id"]))}


@routes.post(
    "/v1/leads/{lead_id}/lose", body=LoseRequest, response=LeadEnvelope, errors=MOVE_ERRORS
)
async def lose(call: Call) -> dict[str, Any]:
    """The customer will not book, with the reason: any open state → LOST (lead.lost)."""
    lead = await lose_lead(use_case(call), call.path["lead_id"], call.body.reason)
    return {"lead": lead_json(lead)}
