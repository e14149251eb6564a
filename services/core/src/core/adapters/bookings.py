"""Bookings: rows, their reference counter, the API's view of one, and listings."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncConnection
from waops_contracts.references import reference_key
from waops_service_kit.keyset import Keyset, SortKey

from core.adapters.leads import next_reference_number
from core.domain.bookings import CANCELLED, Booking

# One per-tenant counter numbers leads and bookings alike (references never collide).
next_booking_number = next_reference_number


@dataclass(frozen=True)
class NewBooking:
    booking_id: str
    tenant_id: str
    reference: str
    state: str
    departure_id: str
    tour_id: str
    tour_code: str
    pax: int
    customer_phone: str
    customer_name: str | None
    lead_id: str | None
    price_per_person: Decimal
    total_amount: Decimal
    deposit_amount: Decimal
    currency: str


async def insert_booking(conn: AsyncConnection, booking: NewBooking, now: datetime) -> None:
    await conn.execute(
        text(
            "INSERT INTO bookings (id, tenant_id, reference, state, departure_id, tour_id,"
            " tour_code, pax, customer_phone, customer_name, lead_id, price_per_person,"
            " total_amount, deposit_amount, currency, created_at, updated_at) VALUES"
            " (:booking_id, :tenant_id, :reference, :state, :departure_id, :tour_id, :tour_code,"
            " :pax, :customer_phone, :customer_name, :lead_id, :price_per_person,"
            " :total_amount, :deposit_amount, :currency, :now, :now)"
        ),
        {
            "booking_id": booking.booking_id,
            "tenant_id": booking.tenant_id,
            "reference": booking.reference,
            "state": booking.state,
            "departure_id": booking.departure_id,
            "tour_id": booking.tour_id,
            "tour_code": booking.tour_code,
            "pax": booking.pax,
            "customer_phone": booking.customer_phone,
            "customer_name": booking.customer_name,
            "lead_id": booking.lead_id,
            "price_per_person": booking.price_per_person,
            "total_amount": booking.total_amount,
            "deposit_amount": booking.deposit_amount,
            "currency": booking.currency,
            "now": now,
        },
    )


_BOOKING_COLUMNS = "SELECT id, state, departure_id, pax FROM bookings"


def booking_from_row(row: Row[Any]) -> Booking:
    """A ``bookings`` row (id, state, departure_id, pax) as the aggregate."""
    return Booking(str(row.id), row.state, str(row.departure_id), row.pax)


async def find_booking(conn: AsyncConnection, tenant_id: str, raw: str) -> Booking | None:
    """A booking by its id or its reference (with or without the dash, any case)."""
    try:
        by_id: str | None = str(uuid.UUID(raw))
    except ValueError:
        by_id = None
    row = (
        await conn.execute(
            text(
                f"{_BOOKING_COLUMNS} WHERE tenant_id = :tenant_id AND"
                " (id = CAST(:booking_id AS uuid) OR replace(reference, '-', '') = :reference_key)"
            ),
            {"tenant_id": tenant_id, "booking_id": by_id, "reference_key": reference_key(raw)},
        )
    ).first()
    return booking_from_row(row) if row else None


async def lock_booking(conn: AsyncConnection, tenant_id: str, booking_id: str) -> Booking | None:
    """The booking, row-locked (take the departure's lock first: the one lock order).

    NO KEY UPDATE: only non-key columns change, and rows that reference the booking
    (payments) can still be inserted meanwhile without waiting on this lock."""
    row = (
        await conn.execute(
            text(
                f"{_BOOKING_COLUMNS} WHERE tenant_id = :tenant_id"
                " AND id = CAST(:booking_id AS uuid) FOR NO KEY UPDATE"
            ),
            {"tenant_id": tenant_id, "booking_id": booking_id},
        )
    ).first()
    return booking_from_row(row) if row else None


async def set_state(
    conn: AsyncConnection,
    booking_id: str,
    state: str,
    now: datetime,
    *,
    cancel_reason: str | None = None,
) -> None:
    await conn.execute(
        text(
            "UPDATE bookings SET state = :state, updated_at = :now,"
            " cancel_reason = CASE WHEN :state = :cancelled THEN :cancel_reason"
            " ELSE cancel_reason END WHERE id = :booking_id"
        ),
        {
            "state": state,
            "now": now,
            "cancel_reason": cancel_reason,
            "booking_id": booking_id,
            "cancelled": CANCELLED,
        },
    )


_VIEW = (
    "SELECT b.*, t.name AS tour_name, d.start_date, d.end_date,"
    " h.id AS hold_id, h.status AS hold_status, h.pax AS hold_pax, h.expires_at AS hold_expires_at,"
    " h.override AS hold_override, h.overridden_by AS hold_overridden_by,"
    " w.id AS entry_id, w.status AS entry_status, w.offer_expires_at,"
    " CASE WHEN w.status IN ('WAITING', 'OFFERED') THEN (SELECT count(*) FROM waitlist_entries o"
    "  WHERE o.departure_id = w.departure_id AND o.status IN ('WAITING', 'OFFERED')"
    "  AND o.seq <= w.seq) END AS position"
    " FROM bookings b JOIN tours t ON t.id = b.tour_id JOIN departures d ON d.id = b.departure_id"
    " LEFT JOIN LATERAL (SELECT * FROM holds x WHERE x.booking_id = b.id"
    "  ORDER BY x.created_at DESC LIMIT 1) h ON true"
    " LEFT JOIN waitlist_entries w ON w.booking_id = b.id"
)


def _view(r: Any) -> dict[str, Any]:
    hold = None
    if r.hold_id is not None:
        hold = {
            "id": str(r.hold_id),
            "status": r.hold_status,
            "pax": r.hold_pax,
            "expires_at": r.hold_expires_at.isoformat() if r.hold_expires_at else None,
            "override": r.hold_override,
            "overridden_by": str(r.hold_overridden_by) if r.hold_overridden_by else None,
        }
    waitlist = None
    if r.entry_id is not None:
        waitlist = {
            "entry_id": str(r.entry_id),
            "status": r.entry_status,
            "position": int(r.position) if r.position is not None else None,
            "offer_expires_at": r.offer_expires_at.isoformat() if r.offer_expires_at else None,
        }
    return {
        "id": str(r.id),
        "reference": r.reference,
        "state": r.state,
        "tour_id": str(r.tour_id),
        "tour_code": r.tour_code,
        "tour_name": r.tour_name,
        "departure_id": str(r.departure_id),
        "start_date": r.start_date.isoformat(),
        "end_date": r.end_date.isoformat(),
        "pax": r.pax,
        "customer_phone": r.customer_phone,
        "customer_name": r.customer_name,
        "lead_id": str(r.lead_id) if r.lead_id else None,
        "price_per_person": str(r.price_per_person),
        "total_amount": str(r.total_amount),
        "deposit_amount": str(r.deposit_amount),
        "currency": r.currency,
        "hold": hold,
        "waitlist": waitlist,
        "cancel_reason": r.cancel_reason,
        "created_at": r.created_at.isoformat(),
        "updated_at": r.updated_at.isoformat(),
    }


async def booking_view(
    conn: AsyncConnection, tenant_id: str, booking_id: str
) -> dict[str, Any] | None:
    """The booking as the API and its events show it: tour, dates, amounts, latest hold,
    waitlist place."""
    if not _is_uuid(booking_id):
        return None
    row = (
        await conn.execute(
            text(f"{_VIEW} WHERE b.tenant_id = :tenant_id AND b.id = CAST(:booking_id AS uuid)"),
            {"tenant_id": tenant_id, "booking_id": booking_id},
        )
    ).first()
    return _view(row) if row else None


_BY_CREATION = Keyset(SortKey("b.created_at", "timestamptz"), SortKey("b.id", "uuid"))


async def list_bookings(
    conn: AsyncConnection,
    tenant_id: str,
    *,
    state: str | None,
    departure_id: str | None,
    customer_phone: str | None,
    after: tuple[str, str] | None,
    limit: int,
) -> list[dict[str, Any]]:
    """Bookings oldest first (created_at, id), keyset-paginated after ``after``."""
    page = _BY_CREATION.page(after, limit)
    rows = await conn.execute(
        text(
            f"{_VIEW} WHERE b.tenant_id = :tenant_id"
            " AND (CAST(:state AS text) IS NULL OR b.state = :state)"
            " AND (CAST(:departure_id AS uuid) IS NULL"
            " OR b.departure_id = CAST(:departure_id AS uuid))"
            " AND (CAST(:customer_phone AS text) IS NULL OR b.customer_phone = :customer_phone)"
            f" AND {page.where} {page.order_limit}"
        ),
        {
            "tenant_id": tenant_id,
            "state": state,
            "departure_id": departure_id,
            "customer_phone": customer_phone,
            **page.params,
        },
    )
    return [_view(r) for r in rows]


async def bookings_of_departure(
    conn: AsyncConnection, departure_id: str, states: tuple[str, ...]
) -> list[str]:
    """Ids of the departure's bookings in ``states``, oldest first, row-locked."""
    rows = await conn.execute(
        text(
            "SELECT id FROM bookings WHERE departure_id = CAST(:departure_id AS uuid)"
            " AND state = ANY(:states) ORDER BY created_at, id FOR NO KEY UPDATE"
        ),
        {"departure_id": departure_id, "states": list(states)},
    )
    return [str(r.id) for r in rows]


async def travellers(
    conn: AsyncConnection, tenant_id: str, departure_id: str, states: tuple[str, ...]
) -> list[dict[str, Any]]:
    if not _is_uuid(departure_id):
        return []
    rows = await conn.execute(
        text(
            "SELECT id, reference, customer_phone, customer_name, pax, state FROM bookings"
            " WHERE tenant_id = :tenant_id AND departure_id = CAST(:departure_id AS uuid)"
            " AND state = ANY(:states) ORDER BY created_at, id"
        ),
        {"tenant_id": tenant_id, "departure_id": departure_id, "states": list(states)},
    )
    return [
        {
            "booking_id": str(r.id),
            "reference": r.reference,
            "customer_phone": r.customer_phone,
            "customer_name": r.customer_name,
            "pax": r.pax,
            "state": r.state,
        }
        for r in rows
    ]


def _is_uuid(raw: str) -> bool:
    try:
        uuid.UUID(raw)
    except (ValueError, TypeError, AttributeError):
        return False
    return True
