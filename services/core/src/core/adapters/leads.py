"""Leads, their reference counter, the per-tenant intake lock, and pipeline moves."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncConnection
from waops_service_kit.keyset import Keyset, SortKey

from core.domain.leads import NEW, AssignedRep, Lead, LeadDraft


async def lock_intake(conn: AsyncConnection, tenant_id: str) -> None:
    """Serialise lead intake per tenant until commit: rep loads are read and changed as one."""
    await conn.execute(
        text("SELECT pg_advisory_xact_lock(hashtext(:lock_key))"),
        {"lock_key": f"core-lead-intake:{tenant_id}"},
    )


async def next_reference_number(conn: AsyncConnection, tenant_id: str) -> int:
    """The tenant's next counter value; the upsert holds the row lock until commit."""
    result = await conn.execute(
        text(
            "INSERT INTO lead_reference_counters (tenant_id, last_value) VALUES (:tenant_id, 1)"
            " ON CONFLICT (tenant_id) DO UPDATE"
            " SET last_value = lead_reference_counters.last_value + 1 RETURNING last_value"
        ),
        {"tenant_id": tenant_id},
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
            " conversation_id, channel_id, enquiry_text) VALUES (:lead_id, :tenant_id, :reference,"
            " :state, :tour_id, :tour_code, :pax, :travel_month, :travel_date, :customer_phone,"
            " :customer_name, :assigned_to, :conversation_id, :channel_id, :enquiry_text)"
        ),
        {
            "lead_id": lead_id,
            "tenant_id": tenant_id,
            "reference": reference,
            "state": NEW,
            "tour_id": tour_id,
            "tour_code": draft.tour_code,
            "pax": draft.pax,
            "travel_month": draft.travel_month,
            "travel_date": draft.travel_date,
            "customer_phone": draft.customer_phone,
            "customer_name": draft.customer_name,
            "assigned_to": assigned_to,
            "conversation_id": draft.conversation_id,
            "channel_id": draft.channel_id,
            "enquiry_text": draft.enquiry_text,
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


def lead_from_row(row: Row[Any]) -> Lead:
    """A ``leads`` row (joined with its tour's name and its rep's) as the aggregate."""
    rep = None
    if row.assigned_to is not None:
        rep = AssignedRep(user_id=str(row.assigned_to), name=row.rep_name, phone=row.rep_phone)
    return Lead(
        id=str(row.id),
        reference=row.reference,
        state=row.state,
        tour_code=row.tour_code,
        tour_name=row.tour_name,
        pax=row.pax,
        travel_month=row.travel_month,
        travel_date=row.travel_date,
        customer_phone=row.customer_phone,
        customer_name=row.customer_name,
        assigned_to=rep,
        conversation_id=row.conversation_id,
        channel_id=row.channel_id,
        enquiry_text=row.enquiry_text,
        created_at=row.created_at,
        lost_reason=row.lost_reason,
        booking_id=str(row.booking_id) if row.booking_id else None,
        state_changed_at=row.state_changed_at,
    )


async def find_lead(
    conn: AsyncConnection, tenant_id: str, lead_id: str, *, lock: bool = False
) -> Lead | None:
    """The tenant's lead, with its tour's name and its rep; with ``lock``, its row locked
    until commit (moves on one lead run one at a time)."""
    row = (
        await conn.execute(
            text(
                f"{_VIEW_SELECT} WHERE l.tenant_id = :tenant_id AND l.id = :lead_id"
                + (" FOR UPDATE OF l" if lock else "")
            ),
            {"tenant_id": tenant_id, "lead_id": lead_id},
        )
    ).first()
    return lead_from_row(row) if row is not None else None


async def save_move(conn: AsyncConnection, lead: Lead) -> None:
    """Store a moved lead's state, when it changed, and its lost reason or booking."""
    await conn.execute(
        text(
            "UPDATE leads SET state = :state, state_changed_at = :state_changed_at,"
            " lost_reason = :lost_reason, booking_id = CAST(:booking_id AS uuid)"
            " WHERE id = :lead_id"
        ),
        {
            "state": lead.state,
            "state_changed_at": lead.state_changed_at,
            "lost_reason": lead.lost_reason,
            "booking_id": lead.booking_id,
            "lead_id": lead.id,
        },
    )


class PostgresLeads:
    """The ``LeadRepository`` of one tenant, in the use case's transaction."""

    def __init__(self, conn: AsyncConnection, tenant_id: str) -> None:
        self._conn = conn
        self._tenant_id = tenant_id

    async def get(self, lead_id: str, *, lock: bool = False) -> Lead | None:
        return await find_lead(self._conn, self._tenant_id, lead_id, lock=lock)

    async def save_move(self, lead: Lead) -> None:
        await save_move(self._conn, lead)


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
) -> list[Lead]:
    """Newest first, keyset-paginated on (created_at, id)."""
    page = _NEWEST_FIRST.page(after, limit)
    rows = await conn.execute(
        text(
            f"{_VIEW_SELECT} WHERE l.tenant_id = :tenant_id"
            " AND (CAST(:state AS text) IS NULL OR l.state = :state)"
            " AND (CAST(:assigned_to AS uuid) IS NULL OR l.assigned_to = CAST(:assigned_to AS uuid))"
            " AND (CAST(:customer_phone AS text) IS NULL OR l.customer_phone = :customer_phone)"
            f" AND {page.where} {page.order_limit}"
        ),
        {
            "tenant_id": tenant_id,
            "state": state,
            "assigned_to": assigned_to,
            "customer_phone": customer_phone,
            **page.params,
        },
    )
    return [lead_from_row(r) for r in rows]
