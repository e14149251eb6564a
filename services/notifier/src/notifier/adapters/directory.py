"""The notifier's read models: the staff directory and the reporters of incidents.

They name the recipients an event describes without naming (every operations person of
the tenant, a staff member by id, whoever reported an incident)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncConnection


@dataclass(frozen=True)
class Contact:
    phone: str
    name: str | None = None


def contact_of(row: Row[Any]) -> Contact:
    """A row of ``SELECT phone, name`` (from staff or incident_reporters)."""
    return Contact(phone=row.phone, name=row.name)


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
            " VALUES (:tenant_id, :user_id, :name, :phone, :role, :kind, :active, :changed_at)"
            " ON CONFLICT (tenant_id, user_id) DO UPDATE"
            " SET name = EXCLUDED.name, phone = EXCLUDED.phone, role = EXCLUDED.role,"
            " kind = EXCLUDED.kind, active = EXCLUDED.active, changed_at = EXCLUDED.changed_at"
            " WHERE staff.changed_at <= EXCLUDED.changed_at"
        ),
        {
            "tenant_id": tenant_id,
            "user_id": user_id,
            "name": name,
            "phone": phone,
            "role": role,
            "kind": kind,
            "active": active,
            "changed_at": changed_at,
        },
    )


async def active_staff(
    conn: AsyncConnection, tenant_id: str, roles: Sequence[str]
) -> list[Contact]:
    rows = await conn.execute(
        text(
            "SELECT phone, name FROM staff WHERE tenant_id = :tenant_id AND active"
            " AND role = ANY(:roles) ORDER BY name, user_id"
        ),
        {"tenant_id": tenant_id, "roles": list(roles)},
    )
    return [contact_of(r) for r in rows]


async def staff_member(conn: AsyncConnection, tenant_id: str, user_id: str) -> Contact | None:
    row = (
        await conn.execute(
            text(
                "SELECT phone, name FROM staff WHERE tenant_id = :tenant_id"
                " AND user_id = :user_id AND active"
            ),
            {"tenant_id": tenant_id, "user_id": user_id},
        )
    ).first()
    return contact_of(row) if row is not None else None


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
            " VALUES (:tenant_id, :incident_id, :trip_id, :user_id, :name, :phone)"
            " ON CONFLICT (tenant_id, incident_id) DO NOTHING"
        ),
        {
            "tenant_id": tenant_id,
            "incident_id": incident_id,
            "trip_id": trip_id,
            "user_id": user_id,
            "name": name,
            "phone": phone,
        },
    )


async def incident_reporter(
    conn: AsyncConnection, tenant_id: str, incident_id: str
) -> Contact | None:
    row = (
        await conn.execute(
            text(
                "SELECT phone, name FROM incident_reporters WHERE tenant_id = :tenant_id AND"
                " incident_id = :incident_id"
            ),
            {"tenant_id": tenant_id, "incident_id": incident_id},
        )
    ).first()
    return contact_of(row) if row is not None else None
