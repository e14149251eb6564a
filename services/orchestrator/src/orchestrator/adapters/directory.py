"""The staff directory's read model (kept from the core's ``directory.staff_upserted``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncConnection
from waops_contracts.events import StaffUpserted


@dataclass(frozen=True)
class StaffMember:
    user_id: str
    phone: str
    name: str
    role: str
    active: bool


def staff_member_of(row: Row[Any]) -> StaffMember:
    """A row of ``SELECT user_id, phone, name, role, active FROM staff``."""
    return StaffMember(
        user_id=row.user_id, phone=row.phone, name=row.name, role=row.role, active=row.active
    )


async def upsert_staff(conn: AsyncConnection, tenant_id: str, event: StaffUpserted) -> None:
    await conn.execute(
        text(
            "INSERT INTO staff (tenant_id, user_id, phone, name, role, kind, active)"
            " VALUES (:tenant_id, :user_id, :phone, :name, :role, :kind, :active) ON CONFLICT (tenant_id, user_id) DO UPDATE"
            " SET phone = EXCLUDED.phone, name = EXCLUDED.name, role = EXCLUDED.role,"
            " kind = EXCLUDED.kind, active = EXCLUDED.active, updated_at = now()"
        ),
        {
            "tenant_id": tenant_id,
            "user_id": event.user_id,
            "phone": event.phone,
            "name": event.name,
            "role": event.role,
            "kind": event.kind,
            "active": event.active,
        },
    )


async def staff_member(conn: AsyncConnection, tenant_id: str, user_id: str) -> StaffMember | None:
    row = (
        await conn.execute(
            text(
                "SELECT user_id, phone, name, role, active FROM staff"
                " WHERE tenant_id = :tenant_id AND user_id = :user_id"
            ),
            {"tenant_id": tenant_id, "user_id": user_id},
        )
    ).first()
    return None if row is None else staff_member_of(row)
