"""Leads: creating one (number it, assign the least-loaded sales rep, announce it), moving
it along the sales pipeline (``core.domain.leads``), and listing them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from waops_contracts.events import (
    LeadContacted,
    LeadCreated,
    LeadLost,
    LeadQualified,
    LeadQuoted,
    LeadWon,
    SalesRep,
)
from waops_contracts.events.leads import LeadMoved
from waops_contracts.references import format_lead_reference
from waops_service_kit.api import decode_cursor, page
from waops_service_kit.api.pagination import BadCursor

from core.adapters import catalogue, directory, leads
from core.adapters.leads import parse_lead_id
from core.domain.errors import Invalid, NotFound
from core.domain.leads import (
    CONTACT,
    CONVERT,
    LOSE,
    QUALIFY,
    QUOTE,
    Lead,
    LeadDraft,
    choose_rep,
    travel_year,
)
from core.handlers.context import UseCase


@dataclass(frozen=True)
class LeadPage:
    items: list[Lead]
    next_cursor: str | None


def sales_rep(lead: Lead) -> SalesRep | None:
    """The lead's rep as the events carry them."""
    rep = lead.assigned_to
    return SalesRep(user_id=rep.user_id, name=rep.name, phone=rep.phone) if rep else None


async def create_lead(call: UseCase, draft: LeadDraft) -> Lead:
    conn, tenant_id = call.conn, call.tenant_id
    tour = await catalogue.tour_by_code(conn, tenant_id, draft.tour_code)
    if tour is None or not tour.active:
        raise Invalid(
            "UNKNOWN_TOUR", f"no active tour with code {draft.tour_code}", tour_code=draft.tour_code
        )
    await leads.lock_intake(conn, tenant_id)
    year = travel_year(draft.travel_month, draft.travel_date, call.now.date())
    reference = format_lead_reference(
        tour.code, year, await leads.next_reference_number(conn, tenant_id)
    )
    rep = choose_rep(await directory.rep_loads(conn, tenant_id))
    if rep is not None:
        await directory.mark_assigned(conn, rep.user_id)
    lead_id = str(uuid.uuid4())
    await leads.insert_lead(
        conn,
        lead_id=lead_id,
        tenant_id=tenant_id,
        reference=reference,
        tour_id=tour.id,
        draft=draft,
        assigned_to=rep.user_id if rep else None,
    )
    lead = await call.leads.get(lead_id)
    assert lead is not None
    await call.emit(
        LeadCreated(
            lead_id=lead_id,
            reference=reference,
            state=lead.state,
            tour_code=tour.code,
            tour_name=tour.name,
            pax=draft.pax,
            travel_month=draft.travel_month,
            customer_phone=draft.customer_phone,
            customer_name=draft.customer_name,
            assigned_to=SalesRep(user_id=rep.user_id, name=rep.name, phone=rep.phone)
            if rep
            else None,
            conversation_id=draft.conversation_id,
            channel_id=draft.channel_id,
            enquiry_text=draft.enquiry_text,
        ),
        subject=f"LEAD/{lead_id}",
    )
    return lead


# --- the pipeline: moving a lead on -------------------------------------------------------

_MOVED_EVENTS: dict[str, type[LeadMoved]] = {
    CONTACT: LeadContacted,
    QUALIFY: LeadQualified,
    QUOTE: LeadQuoted,
    CONVERT: LeadWon,
    LOSE: LeadLost,
}


async def lock_open_lead(call: UseCase, raw_id: str, action: str) -> Lead:
    """The lead (row-locked), once ``action`` is known to be allowed; 404 or 409 otherwise.

    Checked before any other work, so a refused move (a quote for a LOST lead, converting a
    NEW one) changes nothing anywhere."""
    lead_id = parse_lead_id(raw_id)
    lead = await call.leads.get(lead_id, lock=True) if lead_id else None
    if lead is None:
        raise NotFound("LEAD_NOT_FOUND", "no such lead", id=raw_id)
    lead.next_state(action)  # refused here, before anything changed
    return lead


async def move_lead(
    call: UseCase,
    lead: Lead,
    action: str,
    *,
    lost_reason: str | None = None,
    booking_id: str | None = None,
    **event_fields: Any,
) -> Lead:
    """Store the lead's new state and publish the action's ``lead.*`` event."""
    moved = lead.moved(action, call.now, lost_reason=lost_reason, booking_id=booking_id)
    await call.leads.save_move(moved)
    event = _MOVED_EVENTS[action](
        lead_id=lead.id,
        reference=lead.reference,
        state=moved.state,
        previous_state=lead.state,
        tour_code=lead.tour_code,
        tour_name=lead.tour_name,
        pax=lead.pax,
        travel_month=lead.travel_month,
        customer_phone=lead.customer_phone,
        customer_name=lead.customer_name,
        assigned_to=sales_rep(lead),
        conversation_id=lead.conversation_id,
        channel_id=lead.channel_id,
        actor=call.actor.id,
        **({"reason": lost_reason} if action == LOSE else {}),
        **({"booking_id": booking_id} if action == CONVERT else {}),
        **event_fields,
    )
    await call.emit(event, subject=f"LEAD/{lead.id}")
    stored = await call.leads.get(lead.id)  # as stored: the database's own timestamps
    assert stored is not None
    return stored


async def contact_lead(call: UseCase, raw_id: str) -> Lead:
    lead = await lock_open_lead(call, raw_id, CONTACT)
    return await move_lead(call, lead, CONTACT)


async def qualify_lead(call: UseCase, raw_id: str) -> Lead:
    lead = await lock_open_lead(call, raw_id, QUALIFY)
    return await move_lead(call, lead, QUALIFY)


async def lose_lead(call: UseCase, raw_id: str, reason: str) -> Lead:
    lead = await lock_open_lead(call, raw_id, LOSE)
    return await move_lead(call, lead, LOSE, lost_reason=reason)


async def list_leads(
    call: UseCase,
    *,
    state: str | None,
    assigned_to: str | None,
    customer_phone: str | None,
    cursor: str | None,
    limit: int,
) -> LeadPage:
    key = decode_cursor(cursor, 2)
    after = None
    if key is not None:
        try:
            after = (datetime.fromisoformat(str(key[0])), str(uuid.UUID(str(key[1]))))
        except ValueError:
            raise BadCursor("BAD_CURSOR", "the cursor is not one this API issued") from None
    rows = await leads.list_leads(
        call.conn,
        call.tenant_id,
        state=state,
        assigned_to=assigned_to,
        customer_phone=customer_phone,
        after=after,
        limit=limit + 1,
    )
    items, next_cursor = page(rows, limit, lambda lead: (lead.created_at.isoformat(), lead.id))
    return LeadPage(items, next_cursor)
