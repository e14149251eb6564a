"""Leads, their reference counter, the per-tenant intake lock, and pipeline moves."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection
from waops_service_kit.keyset import Keyset, SortKey

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


_VIEW_SELECT = (
    "SELECT l.*, t.name AS tour_name, s.name AS rep_name, s.phone AS rep_phone"
    " FROM leads l JOIN tours t ON t.id = l.tour_id"
    " LEFT JOIN staff s ON s.id = l.assigned_to"
)


async def lead_view(conn: AsyncConnection, tenant_id: str, lead_id: str) -> dict[str, Any] | None:
    """The lead as the API shows it, with its tour's name and its rep."""
    row = (
        await conn.execute(
            text(f"{_VIEW_SELECT} WHERE l.tenant_id = :t AND l.id = :i"),
            {"t": tenant_id, "i": lead_id},
        )
    ).first()
    return _view(row) if row is not None else None


def _view(row: Any) -> dict[str, Any]:
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
        "lost_reason": row.lost_reason,
        "booking_id": str(row.booking_id) if row.booking_id else None,
        "state_changed_at": row.state_changed_at.isoformat() if row.state_changed_at else None,
    }


async def lock_lead_state(conn: AsyncConnection, tenant_id: str, lead_id: str) -> str | None:
    """The lead's state, its row locked until commit (moves on one lead run one at a time)."""
    result = await conn.execute(
        text("SELECT state FROM leads WHERE tenant_id = :t AND id = :i FOR UPDATE"),
        {"t": tenant_id, "i": lead_id},
    )
    return result.scalar_one_or_none()


async def set_state(
    conn: AsyncConnection,
    lead_id: str,
    state: str,
    now: datetime,
    *,
    lost_reason: str | None = None,
    booking_id: str | None = None,
) -> None:
    await conn.execute(
        text(
            "UPDATE leads SET state = :s, state_changed_at = :now,"
            " lost_reason = COALESCE(:reason, lost_reason),"
            " booking_id = COALESCE(CAST(:booking AS uuid), booking_id) WHERE id = :i"
        ),
        {"s": state, "now": now, "reason": lost_reason, "booking": booking_id, "i": lead_id},
    )


_NEWEST_FIRST = Keyset(
    SortKey("l.created_at", "timestamptz"), SortKey("l.id", "uuid"), descending=True
)


async def list_leads(
    conn: AsyncConnection,
    tenant_id: str,
    *,
    state: str | None,
    assigned_to: str | None,
    customer_phone: str | None,
    after: tuple[datetime, str] | None,
    limit: int,
) -> list[dict[str, Any]]:
    """Newest first, keyset-paginated on (created_at, id)."""
    page = _NEWEST_FIRST.page(after, limit)
    rows = await conn.execute(
        text(
            f"{_VIEW_SELECT} WHERE l.tenant_id = :t"
            " AND (CAST(:state AS text) IS NULL OR l.state = :state)"
            " AND (CAST(:rep AS uuid) IS NULL OR l.assigned_to = CAST(:rep AS uuid))"
            " AND (CAST(:phone AS text) IS NULL OR l.customer_phone = :phone)"
            f" AND {page.where} {page.order_limit}"
        ),
        {
            "t": tenant_id,
            "state": state,
            "rep": assigned_to,
            "phone": customer_phone,
            **page.params,
        },
    )
    return [_view(r) for r in rows]
