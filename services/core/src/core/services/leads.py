"""Creating a lead: number it, assign the least-loaded sales rep, announce it."""

from __future__ import annotations

import uuid
from typing import Any

from waops_contracts.events import LeadCreated, SalesRep

from core.adapters import catalogue, directory, leads
from core.api import Call
from core.domain.errors import Invalid
from core.domain.leads import LeadDraft, choose_rep, format_reference, travel_year


async def create_lead(call: Call, draft: LeadDraft) -> dict[str, Any]:
    conn, tenant_id = call.conn, call.tenant_id
    tour = await catalogue.tour_by_code(conn, tenant_id, draft.tour_code)
    if tour is None or not tour.active:
        raise Invalid(
            "UNKNOWN_TOUR", f"no active tour with code {draft.tour_code}", tour_code=draft.tour_code
        )
    await leads.lock_intake(conn, tenant_id)
    year = travel_year(draft.travel_month, draft.travel_date, call.now.date())
    reference = format_reference(
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
    view = await leads.lead_view(conn, tenant_id, lead_id)
    assert view is not None
    await call.emit(
        LeadCreated(
            lead_id=lead_id,
            reference=reference,
            state=view["state"],
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
    return view
