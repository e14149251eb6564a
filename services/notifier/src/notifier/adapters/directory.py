"""The notifier's read models: the staff directory and the reporters of incidents.

They name the recipients an event describes without naming (every operations person of
the tenant, a staff member by id, whoever reported an incident)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection


@dataclass(frozen=True)
class Contact:
    phone: str
    name: str | None = None


async def upsert_staff(
    conn: AsyncConnection,
    *,
    tenant_id: str,
    user_id: str,
    name: str,
    phone: str,
    role: str,
    kind: str | None,
    active: bool,
    changed_at: datetime,
) -> None:
    """Keep the latest known state of a staff member; an older event arriving late (the
    queue does not order them) changes nothing."""
    await conn.execute(
        text(
            "INSERT INTO staff (tenant_id, user_id, name, phone, role, kind, active, changed_at)"
            " VALUES (:t, :u, :n, :p, :r, :k, :a, :at) ON CONFLICT (tenant_id, user_id) DO UPDATE"
            " SET name = EXCLUDED.name, phone = EXCLUDED.phone, role = EXCLUDED.role,"
            " kind = EXCLUDED.kind, active = EXCLUDED.active, changed_at = EXCLUDED.changed_at"
            " WHERE staff.changed_at <= EXCLUDED.changed_at"
        ),
        {
            "t": tenant_id,
            "u": user_id,
            "n": name,
            "p": phone,
            "r": role,
            "k": kind,
            "a": active,
            "at": changed_at,
        },
    )


async def active_staff(
    conn: AsyncConnection, tenant_id: str, roles: Sequence[str]
) -> list[Contact]:
    rows = await conn.execute(
        text(
            "SELECT phone, name FROM staff WHERE tenant_id = :t AND active AND role = ANY(:roles)"
            " ORDER BY name, user_id"
        ),
        {"t": tenant_id, "roles": list(roles)},
    )
    return [Contact(r.phone, r.name) for r in rows]


async def staff_member(conn: AsyncConnection, tenant_id: str, user_id: str) -> Contact | None:
    row = (
        await conn.execute(
            text("SELECT phone, name FROM staff WHERE tenant_id = :t AND user_id = :u AND active"),
            {"t": tenant_id, "u": user_id},
        )
    ).first()
    return Contact(row.phone, row.name) if row is not None else None


async def remember_reporter(
    conn: AsyncConnection,
    *,
    tenant_id: str,
    incident_id: str,
    trip_id: str,
    user_id: str,
    name: str,
    phone: str,
) -> None:
    await conn.execute(
        text(
            "INSERT INTO incident_reporters (tenant_id, incident_id, trip_id, user_id, name, phone)"
            " VALUES (:t, :i, :trip, :u, :n, :p) ON CONFLICT (tenant_id, incident_id) DO NOTHING"
        ),
        {"t": tenant_id, "i": incident_id, "trip": trip_id, "u": user_id, "n": name, "p": phone},
    )


async def incident_reporter(
    conn: AsyncConnection, tenant_id: str, incident_id: str
) -> Contact | None:
    row = (
        await conn.execute(
            text(
                "SELECT phone, name FROM incident_reporters WHERE tenant_id = :t AND"
                " incident_id = :i"
            ),
            {"t": tenant_id, "i": incident_id},
        )
    ).first()
    return Contact(row.phone, row.name) if row is not None else None
