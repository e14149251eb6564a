"""The staff directory, and the sales reps' load for lead assignment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from core.domain.leads import NEW, RepLoad


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


async def list_staff(
    conn: AsyncConnection, tenant_id: str, *, phone: str | None = None, role: str | None = None
) -> list[StaffMember]:
    rows = await conn.execute(
        text(
            f"SELECT {_COLUMNS} FROM staff WHERE tenant_id = :t"
            " AND (CAST(:p AS text) IS NULL OR phone = :p)"
            " AND (CAST(:r AS text) IS NULL OR role = :r) ORDER BY role, name, id"
        ),
        {"t": tenant_id, "p": phone, "r": role},
    )
    return [_member(r) for r in rows]


async def upsert_staff(
    conn: AsyncConnection, tenant_id: str, member: StaffMember
) -> tuple[StaffMember, bool]:
    """Insert or update by (tenant, phone). Returns the stored member and whether it changed."""
    changed = (
        await conn.execute(
            text(
                "INSERT INTO staff (id, tenant_id, name, phone, role, kind, active)"
                " VALUES (:i, :t, :n, :p, :r, :k, :a) ON CONFLICT (tenant_id, phone) DO UPDATE"
                " SET name = EXCLUDED.name, role = EXCLUDED.role, kind = EXCLUDED.kind,"
                " active = EXCLUDED.active, updated_at = now()"
                " WHERE (staff.name, staff.role, staff.kind, staff.active)"
                " IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.role, EXCLUDED.kind, EXCLUDED.active)"
                " RETURNING id"
            ),
            {
                "i": member.id,
                "t": tenant_id,
                "n": member.name,
                "p": member.phone,
                "r": member.role,
                "k": member.kind,
                "a": member.active,
            },
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
            "  AND l.assigned_to = s.id AND l.state = :new) AS open_leads"
            " FROM staff s WHERE s.tenant_id = :t AND s.role = 'SALES' AND s.active"
        ),
        {"t": tenant_id, "new": NEW},
    )
    return [
        RepLoad(str(r.id), r.name, r.phone, int(r.open_leads), r.last_assigned_seq) for r in rows
    ]


async def mark_assigned(conn: AsyncConnection, staff_id: str) -> None:
    await conn.execute(
        text("UPDATE staff SET last_assigned_seq = nextval('staff_assignment_seq') WHERE id = :i"),
        {"i": staff_id},
    )
