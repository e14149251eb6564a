"""Leads, their reference counter, and the per-tenant intake lock."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from core.domain.leads import NEW, LeadDraft


async def lock_intake(conn: AsyncConnection, tenant_id: str) -> None:
    """Serialise lead intake per tenant until commit: rep loads are read and changed as one."""
    await conn.execute(
        text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": f"core-lead-intake:{tenant_id}"}
    )


async def next_reference_number(conn: AsyncConnection, tenant_id: str) -> int:
    """The tenant's next counter value; the upsert holds the row lock until commit."""
    result = await conn.execute(
        text(
            "INSERT INTO lead_reference_counters (tenant_id, last_value) VALUES (:t, 1)"
            " ON CONFLICT (tenant_id) DO UPDATE"
            " SET last_value = lead_reference_counters.last_value + 1 RETURNING last_value"
        ),
        {"t": tenant_id},
    )
    return int(result.scalar_one())


async def insert_lead(
    conn: AsyncConnection,
    *,
    lead_id: str,
    tenant_id: str,
    reference: str,
    tour_id: str,
    draft: LeadDraft,
    assigned_to: str | None,
) -> None:
    await conn.execute(
        text(
            "INSERT INTO leads (id, tenant_id, reference, state, tour_id, tour_code, pax,"
            " travel_month, travel_date, customer_phone, customer_name, assigned_to,"
            " conversation_id, channel_id, enquiry_text) VALUES (:id, :t, :ref, :state, :tour,"
            " :code, :pax, :month, :date, :phone, :name, :rep, :conv, :chan, :text)"
        ),
        {
            "id": lead_id,
            "t": tenant_id,
            "ref": reference,
            "state": NEW,
            "tour": tour_id,
            "code": draft.tour_code,
            "pax": draft.pax,
            "month": draft.travel_month,
            "date": draft.travel_date,
            "phone": draft.customer_phone,
            "name": draft.customer_name,
            "rep": assigned_to,
            "conv": draft.conversation_id,
            "chan": draft.channel_id,
            "text": draft.enquiry_text,
        },
    )


def parse_lead_id(raw: str) -> str | None:
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        return None


async def lead_view(conn: AsyncConnection, tenant_id: str, lead_id: str) -> dict[str, Any] | None:
    """The lead as the API shows it, with its tour's name and its rep."""
    row = (
        await conn.execute(
            text(
                "SELECT l.*, t.name AS tour_name, s.name AS rep_name, s.phone AS rep_phone"
                " FROM leads l JOIN tours t ON t.id = l.tour_id"
                " LEFT JOIN staff s ON s.id = l.assigned_to"
                " WHERE l.tenant_id = :t AND l.id = :i"
            ),
            {"t": tenant_id, "i": lead_id},
        )
    ).first()
    if row is None:
        return None
    rep = None
    if row.assigned_to is not None:
        rep = {"user_id": str(row.assigned_to), "name": row.rep_name, "phone": row.rep_phone}
    return {
        "id": str(row.id),
        "reference": row.reference,
        "state": row.state,
        "tour_code": row.tour_code,
        "tour_name": row.tour_name,
        "pax": row.pax,
        "travel_month": row.travel_month,
        "travel_date": row.travel_date.isoformat() if row.travel_date else None,
        "customer_phone": row.customer_phone,
        "customer_name": row.customer_name,
        "assigned_to": rep,
        "conversation_id": row.conversation_id,
        "channel_id": row.channel_id,
        "enquiry_text": row.enquiry_text,
        "created_at": row.created_at.isoformat(),
    }
