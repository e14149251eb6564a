"""The staff directory's read model (kept from the core's ``directory.staff_upserted``)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection
from waops_contracts.events import StaffUpserted


@dataclass(frozen=True)
class StaffMember:
    user_id: str
    phone: str
    name: str
    role: str
    active: bool


async def upsert_staff(conn: AsyncConnection, tenant_id: str, event: StaffUpserted) -> None:
    await conn.execute(
        text(
            "INSERT INTO staff (tenant_id, user_id, phone, name, role, kind, active)"
            " VALUES (:t, :u, :p, :n, :r, :k, :a) ON CONFLICT (tenant_id, user_id) DO UPDATE"
            " SET phone = EXCLUDED.phone, name = EXCLUDED.name, role = EXCLUDED.role,"
            " kind = EXCLUDED.kind, active = EXCLUDED.active, updated_at = now()"
        ),
        {
            "t": tenant_id,
            "u": event.user_id,
            "p": event.phone,
            "n": event.name,
            "r": event.role,
            "k": event.kind,
            "a": event.active,
        },
    )


async def staff_member(conn: AsyncConnection, tenant_id: str, user_id: str) -> StaffMember | None:
    row = (
        await conn.execute(
            text(
                "SELECT user_id, phone, name, role, active FROM staff"
                " WHERE tenant_id = :t AND user_id = :u"
            ),
            {"t": tenant_id, "u": user_id},
        )
    ).first()
    if row is None:
        return None
    return StaffMember(row.user_id, row.phone, row.name, row.role, row.active)
