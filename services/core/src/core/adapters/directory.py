"""The staff directory, and the sales reps' load for lead assignment."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection
from waops_service_kit.keyset import Keyset, SortKey

from core.domain.leads import OPEN_STATES, RepLoad
from core.domain.phones import InvalidPhone, normalize_phone


@dataclass(frozen=True)
class StaffMember:
    id: str
    name: str
    phone: str
    role: str
    kind: str | None
    active: bool
    updated_at: datetime | None = None  # the row's version, set when read

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "phone": self.phone,
            "role": self.role,
            "kind": self.kind,
            "active": self.active,
        }


_COLUMNS = "id, name, phone, role, kind, active, updated_at"


def _member(row: Any) -> StaffMember:
    return StaffMember(
        str(row.id), row.name, row.phone, row.role, row.kind, row.active, row.updated_at
    )


_STAFF_ORDER = Keyset(SortKey("role", "text"), SortKey("name", "text"), SortKey("id", "uuid"))


async def list_staff(
    conn: AsyncConnection,
    tenant_id: str,
    *,
    phone: str | None = None,
    role: str | None = None,
    kind: str | None = None,
    active: bool | None = None,
    after: list[Any] | None = None,
    limit: int | None = None,
) -> list[StaffMember]:
    """Ordered by (role, name, id); ``after`` is the key of the last row already seen."""
    page = _STAFF_ORDER.page(after, limit)
    rows = await conn.execute(
        text(
            f"SELECT {_COLUMNS} FROM staff WHERE tenant_id = :tenant_id"
            " AND (CAST(:phone AS text) IS NULL OR phone = :phone)"
            " AND (CAST(:role AS text) IS NULL OR role = :role)"
            " AND (CAST(:kind AS text) IS NULL OR kind = :kind)"
            " AND (CAST(:active AS boolean) IS NULL OR active = :active)"
            f" AND {page.where} {page.order_limit}"
        ),
        {
            "tenant_id": tenant_id,
            "phone": phone,
            "role": role,
            "kind": kind,
            "active": active,
            **page.params,
        },
    )
    return [_member(r) for r in rows]


async def staff_by_id(
    conn: AsyncConnection, tenant_id: str, staff_id: str, *, lock: bool = False
) -> StaffMember | None:
    """``lock``: hold the row until commit (serialises a member's assignments)."""
    if parse_uuid(staff_id) is None:
        return None
    row = (
        await conn.execute(
            text(
                f"SELECT {_COLUMNS} FROM staff WHERE tenant_id = :tenant_id AND id = :staff_id"
                + (" FOR UPDATE" if lock else "")
            ),
            {"tenant_id": tenant_id, "staff_id": staff_id},
        )
    ).first()
    return _member(row) if row else None


async def staff_by_phone(conn: AsyncConnection, tenant_id: str, phone: str) -> StaffMember | None:
    found = await list_staff(conn, tenant_id, phone=phone)
    return found[0] if found else None


async def resolve_actor(
    conn: AsyncConnection, tenant_id: str, actor_id: str | None
) -> StaffMember | None:
    """The staff member behind X-Waops-Actor-Id (a staff id or a phone in any format);
    None for a customer or nobody."""
    if actor_id is None:
        return None
    if parse_uuid(actor_id) is not None:
        return await staff_by_id(conn, tenant_id, actor_id)
    try:
        phone = normalize_phone(actor_id)
    except InvalidPhone:
        return None
    return await staff_by_phone(conn, tenant_id, phone)


def _params(tenant_id: str, member: StaffMember) -> dict[str, Any]:
    """Every column of a staff row, as the statements below bind them."""
    return {
        "staff_id": member.id,
        "tenant_id": tenant_id,
        "name": member.name,
        "phone": member.phone,
        "role": member.role,
        "kind": member.kind,
        "active": member.active,
    }


async def insert_staff(conn: AsyncConnection, tenant_id: str, member: StaffMember) -> bool:
    """False when the phone is already someone's in this tenant."""
    row = (
        await conn.execute(
            text(
                "INSERT INTO staff (id, tenant_id, name, phone, role, kind, active)"
                " VALUES (:staff_id, :tenant_id, :name, :phone, :role, :kind, :active)"
                " ON CONFLICT (tenant_id, phone) DO NOTHING RETURNING id"
            ),
            _params(tenant_id, member),
        )
    ).first()
    return row is not None


async def update_staff(conn: AsyncConnection, tenant_id: str, member: StaffMember) -> bool:
    """Store every field of ``member``; False when its new phone is taken by someone else."""
    try:
        async with conn.begin_nested():
            await conn.execute(
                text(
                    "UPDATE staff SET name = :name, phone = :phone, role = :role, kind = :kind,"
                    " active = :active, updated_at = now()"
                    " WHERE tenant_id = :tenant_id AND id = :staff_id"
                ),
                _params(tenant_id, member),
            )
    except IntegrityError:
        return False
    return True


async def upsert_staff(
    conn: AsyncConnection, tenant_id: str, member: StaffMember
) -> tuple[StaffMember, bool]:
    """Insert or update by (tenant, phone). Returns the stored member and whether it changed."""
    changed = (
        await conn.execute(
            text(
                "INSERT INTO staff (id, tenant_id, name, phone, role, kind, active)"
                " VALUES (:staff_id, :tenant_id, :name, :phone, :role, :kind, :active)"
                " ON CONFLICT (tenant_id, phone) DO UPDATE"
                " SET name = EXCLUDED.name, role = EXCLUDED.role, kind = EXCLUDED.kind,"
                " active = EXCLUDED.active, updated_at = now()"
                " WHERE (staff.name, staff.role, staff.kind, staff.active)"
                " IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.role, EXCLUDED.kind, EXCLUDED.active)"
                " RETURNING id"
            ),
            _params(tenant_id, member),
        )
    ).first() is not None
    [stored] = await list_staff(conn, tenant_id, phone=member.phone)
    return stored, changed


async def rep_loads(conn: AsyncConnection, tenant_id: str) -> list[RepLoad]:
    """Every active sales rep with their open-lead count (call under the intake lock)."""
    rows = await conn.execute(
        text(
            "SELECT s.id, s.name, s.phone, s.last_assigned_seq,"
            " (SELECT count(*) FROM leads l WHERE l.tenant_id = s.tenant_id"
            "  AND l.assigned_to = s.id AND l.state = ANY(:open)) AS open_leads"
            " FROM staff s WHERE s.tenant_id = :tenant_id AND s.role = 'SALES' AND s.active"
        ),
        {"tenant_id": tenant_id, "open": sorted(OPEN_STATES)},  # NEW..QUOTED: still being worked
    )
    return [
        RepLoad(str(r.id), r.name, r.phone, int(r.open_leads), r.last_assigned_seq) for r in rows
    ]


async def mark_assigned(conn: AsyncConnection, staff_id: str) -> None:
    await conn.execute(
        text(
            "UPDATE staff SET last_assigned_seq = nextval('staff_assignment_seq')"
            " WHERE id = :staff_id"
        ),
        {"staff_id": staff_id},
    )


def parse_uuid(raw: str) -> str | None:
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        return None


@dataclass(frozen=True)
class Tenant:
    id: str
    name: str
    created_at: datetime

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "created_at": self.created_at.isoformat()}


async def insert_tenant(conn: AsyncConnection, tenant_id: str, name: str) -> Tenant | None:
    """None when the id is taken."""
    row = (
        await conn.execute(
            text(
                "INSERT INTO tenants (id, name) VALUES (:tenant_id, :name)"
                " ON CONFLICT (id) DO NOTHING RETURNING id, name, created_at"
            ),
            {"tenant_id": tenant_id, "name": name},
        )
    ).first()
    return Tenant(row.id, row.name, row.created_at) if row else None


async def tenant_by_id(conn: AsyncConnection, tenant_id: str) -> Tenant | None:
    row = (
        await conn.execute(
            text("SELECT id, name, created_at FROM tenants WHERE id = :tenant_id"),
            {"tenant_id": tenant_id},
        )
    ).first()
    return Tenant(row.id, row.name, row.created_at) if row else None


_TENANT_ORDER = Keyset(SortKey("id", "text"))


async def list_tenants(conn: AsyncConnection, *, after: str | None, limit: int) -> list[Tenant]:
    page = _TENANT_ORDER.page(None if after is None else [after], limit)
    rows = await conn.execute(
        text(f"SELECT id, name, created_at FROM tenants WHERE {page.where} {page.order_limit}"),
        page.params,
    )
    return [Tenant(r.id, r.name, r.created_at) for r in rows]
