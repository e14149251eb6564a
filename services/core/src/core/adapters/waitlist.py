"""Waitlist entries of a departure (changed under the departure's row lock)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from core.adapters.inventory import Due, due_rows
from core.domain.waitlist import OFFERED, WAITING


@dataclass(frozen=True)
class Entry:
    id: str
    departure_id: str
    booking_id: str
    pax: int
    status: str
    offer_expires_at: datetime | None
    position: int | None  # rank among the live entries; None once out of line

    def as_json(self) -> dict[str, Any]:
        return {
            "entry_id": self.id,
            "status": self.status,
            "position": self.position,
            "offer_expires_at": (
                self.offer_expires_at.isoformat() if self.offer_expires_at else None
            ),
        }


_SELECT = (
    "SELECT w.id, w.departure_id, w.booking_id, w.pax, w.status, w.offer_expires_at,"
    " CASE WHEN w.status IN ('WAITING', 'OFFERED') THEN (SELECT count(*) FROM waitlist_entries o"
    "  WHERE o.departure_id = w.departure_id AND o.status IN ('WAITING', 'OFFERED')"
    "  AND o.seq <= w.seq) END AS position FROM waitlist_entries w"
)


def _entry(row: Any) -> Entry:
    return Entry(
        id=str(row.id),
        departure_id=str(row.departure_id),
        booking_id=str(row.booking_id),
        pax=row.pax,
        status=row.status,
        offer_expires_at=row.offer_expires_at,
        position=int(row.position) if row.position is not None else None,
    )


async def join(
    conn: AsyncConnection,
    *,
    entry_id: str,
    tenant_id: str,
    departure_id: str,
    booking_id: str,
    pax: int,
    now: datetime,
) -> Entry:
    """Put a booking at the end of the departure's line."""
    await conn.execute(
        text(
            "INSERT INTO waitlist_entries (id, tenant_id, departure_id, booking_id, seq, pax,"
            " status, created_at, updated_at) VALUES (:entry_id, :tenant_id, :departure_id,"
            " :booking_id, (SELECT coalesce(max(seq), 0) + 1 FROM waitlist_entries"
            " WHERE departure_id = :departure_id), :pax, :status, :now, :now)"
        ),
        {
            "entry_id": entry_id,
            "tenant_id": tenant_id,
            "departure_id": departure_id,
            "booking_id": booking_id,
            "pax": pax,
            "status": WAITING,
            "now": now,
        },
    )
    entry = await entry_of_booking(conn, booking_id)
    assert entry is not None
    return entry


async def entry_of_booking(conn: AsyncConnection, booking_id: str) -> Entry | None:
    row = (
        await conn.execute(
            text(f"{_SELECT} WHERE w.booking_id = :booking_id"), {"booking_id": booking_id}
        )
    ).first()
    return _entry(row) if row else None


async def in_line(conn: AsyncConnection, departure_id: str) -> list[Entry]:
    """The departure's live entries, first in line first."""
    rows = await conn.execute(
        text(
            f"{_SELECT} WHERE w.departure_id = :departure_id"
            " AND w.status IN ('WAITING', 'OFFERED') ORDER BY w.seq"
        ),
        {"departure_id": departure_id},
    )
    return [_entry(r) for r in rows]


async def set_status(
    conn: AsyncConnection,
    entry_id: str,
    status: str,
    now: datetime,
    *,
    offer_expires_at: datetime | None = None,
) -> None:
    """Move an entry on; an offer's expiry is set when offered and kept afterwards."""
    await conn.execute(
        text(
            "UPDATE waitlist_entries SET status = :status, updated_at = :now,"
            " offered_at = CASE WHEN :status = 'OFFERED' THEN :now ELSE offered_at END,"
            " offer_expires_at = coalesce(CAST(:offer_expires_at AS timestamptz),"
            " offer_expires_at) WHERE id = :entry_id"
        ),
        {"status": status, "now": now, "offer_expires_at": offer_expires_at, "entry_id": entry_id},
    )


async def due_offers(conn: AsyncConnection, now: datetime, limit: int) -> list[Due]:
    return await due_rows(conn, "waitlist_entries", OFFERED, "offer_expires_at", now, limit)


async def offer_if_due(conn: AsyncConnection, entry_id: str, now: datetime) -> Entry | None:
    row = (
        await conn.execute(
            text(
                f"{_SELECT} WHERE w.id = :entry_id AND w.status = :status"
                " AND w.offer_expires_at <= :now FOR UPDATE OF w SKIP LOCKED"
            ),
            {"entry_id": entry_id, "status": OFFERED, "now": now},
        )
    ).first()
    return _entry(row) if row else None
