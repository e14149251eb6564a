"""Creating a lead: one transaction for the idempotency record, the lead and its event."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine
from waops_contracts.events import LeadCreated, SalesRep
from waops_messaging import EventWriter

from core.adapters import catalogue, directory, idempotency, leads
from core.domain.leads import LeadDraft, choose_rep, format_reference, travel_year


class UnknownTour(LookupError):
    pass


class IdempotencyKeyReused(ValueError):
    pass


@dataclass(frozen=True)
class Outcome:
    status: int
    body: dict[str, Any]
    replayed: bool


async def create_lead(
    engine: AsyncEngine,
    writer: EventWriter,
    *,
    tenant_id: str,
    draft: LeadDraft,
    idempotency_key: str,
    correlation_id: str | None = None,
    causation_id: str | None = None,
) -> Outcome:
    fingerprint = draft.fingerprint()
    async with engine.begin() as conn:
        stored = await idempotency.claim(conn, tenant_id, idempotency_key, fingerprint)
        if stored is not None:
            if stored.request_hash != fingerprint:
                raise IdempotencyKeyReused(idempotency_key)
            return Outcome(stored.status, stored.body, replayed=True)

        tour = await catalogue.tour_by_code(conn, tenant_id, draft.tour_code)
        if tour is None or not tour.active:
            raise UnknownTour(draft.tour_code)  # rolls back: the key stays free for a retry

        await leads.lock_intake(conn, tenant_id)
        year = travel_year(draft.travel_month, draft.travel_date, datetime.now(UTC).date())
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
        await writer.write(
            conn,
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
            tenant_id=tenant_id,
            subject=f"LEAD/{lead_id}",
            correlation_id=correlation_id,
            causation_id=causation_id,
            partition_key=f"LEAD/{lead_id}",
        )
        body = {"lead": view}
        await idempotency.complete(conn, tenant_id, idempotency_key, 201, body)
    return Outcome(201, body, replayed=False)
