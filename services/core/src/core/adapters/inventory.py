"""Seat holds, and who may override capacity.

Callers hold the departure's row lock (``catalogue.departure(..., lock=True)``) around every
change here, so the seat counts they read stay true until they commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncConnection

from core.domain.inventory import ACTIVE, CONFIRMED, MANAGER, Hold


def hold_from_row(row: Row[Any]) -> Hold:
    """A ``holds`` row (``_COLUMNS``) as the aggregate."""
    return Hold(
        id=str(row.id),
        booking_id=str(row.booking_id),
        departure_id=str(row.departure_id),
        pax=row.pax,
        status=row.status,
        expires_at=row.expires_at,
        override=row.override,
        overridden_by=str(row.overridden_by) if row.overridden_by else None,
    )


_COLUMNS = "id, booking_id, departure_id, pax, status, expires_at, override, overridden_by"


async def active_manager(conn: AsyncConnection, tenant_id: str, actor: str | None) -> str | None:
    """The staff id of the acting manager (``actor`` is a staff id or an E.164 phone), if
    the actor is an active MANAGER of the tenant."""
    if not actor:
        return None
    row = (
        await conn.execute(
            text(
                "SELECT id FROM staff WHERE tenant_id = :tenant_id AND role = :role AND active"
                " AND (id::text = :actor OR phone = :actor) LIMIT 1"
            ),
            {"tenant_id": tenant_id, "role": MANAGER, "actor": actor},
        )
    ).first()
    return str(row.id) if row else None


async def insert_hold(
    conn: AsyncConnection,
    *,
    hold_id: str,
    tenant_id: str,
    booking_id: str,
    departure_id: str,
    pax: int,
    expires_at: datetime,
    overridden_by: str | None,
    now: datetime,
) -> Hold:
    row = (
        await conn.execute(
            text(
                "INSERT INTO holds (id, tenant_id, booking_id, departure_id, pax, status,"
                " expires_at, override, overridden_by, created_at)"
                " VALUES (:hold_id, :tenant_id, :booking_id, :departure_id, :pax, :status,"
                " :expires_at, :override, :overridden_by, :now)"
                f" RETURNING {_COLUMNS}"
            ),
            {
                "hold_id": hold_id,
                "tenant_id": tenant_id,
                "booking_id": booking_id,
                "departure_id": departure_id,
                "pax": pax,
                "status": ACTIVE,
                "expires_at": expires_at,
                "override": overridden_by is not None,
                "overridden_by": overridden_by,
                "now": now,
            },
        )
    ).one()
    return hold_from_row(row)


async def live_hold(conn: AsyncConnection, booking_id: str) -> Hold | None:
    """The booking's hold that takes seats (ACTIVE or CONFIRMED), if any."""
    row = (
        await conn.execute(
            text(
                f"SELECT {_COLUMNS} FROM holds WHERE booking_id = :booking_id"
                " AND status IN ('ACTIVE', 'CONFIRMED') FOR UPDATE"
            ),
            {"booking_id": booking_id},
        )
    ).first()
    return hold_from_row(row) if row else None


async def confirm_hold(conn: AsyncConnection, hold_id: str, now: datetime) -> None:
    await conn.execute(
        text(
            "UPDATE holds SET status = :status, expires_at = NULL, confirmed_at = :now"
            " WHERE id = :hold_id"
        ),
        {"status": CONFIRMED, "now": now, "hold_id": hold_id},
    )


async def end_hold(
    conn: AsyncConnection, hold_id: str, status: str, reason: str, now: datetime
) -> None:
    """Release or expire a hold: its seats are free from now on."""
    await conn.execute(
        text(
            "UPDATE holds SET status = :status, released_at = :now,"
            " release_reason = :release_reason WHERE id = :hold_id"
        ),
        {"status": status, "now": now, "release_reason": reason, "hold_id": hold_id},
    )


@dataclass(frozen=True)
class Due:
    """A row whose time has come (an expired hold, an expired waitlist offer), read without
    locks: each is re-checked under its departure's lock before it is acted on."""

    id: str
    tenant_id: str
    departure_id: str


async def due_rows(
    conn: AsyncConnection, table: str, status: str, expiry: str, now: datetime, limit: int
) -> list[Due]:
    """Rows of ``table`` in ``status`` whose ``expiry`` column has passed, oldest first
    (``table`` and ``expiry`` are this package's constants, never input)."""
    rows = await conn.execute(
        text(
            f"SELECT id, tenant_id, departure_id FROM {table} WHERE status = :status"
            f" AND {expiry} <= :now ORDER BY {expiry} LIMIT :limit"
        ),
        {"status": status, "now": now, "limit": limit},
    )
    return [Due(str(r.id), r.tenant_id, str(r.departure_id)) for r in rows]


async def due_holds(conn: AsyncConnection, now: datetime, limit: int) -> list[Due]:
    return await due_rows(conn, "holds", ACTIVE, "expires_at", now, limit)


async def hold_if_due(conn: AsyncConnection, hold_id: str, now: datetime) -> Hold | None:
    row = (
        await conn.execute(
            text(
                f"SELECT {_COLUMNS} FROM holds WHERE id = :hold_id AND status = :status"
                " AND expires_at <= :now FOR UPDATE SKIP LOCKED"
            ),
            {"hold_id": hold_id, "status": ACTIVE, "now": now},
        )
    ).first()
    return hold_from_row(row) if row else None
