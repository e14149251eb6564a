"""Incidents and their updates (each update names its author and the state it moved)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection
from waops_service_kit.keyset import Keyset, SortKey

from core.adapters.directory import parse_uuid


@dataclass(frozen=True)
class Incident:
    id: str
    trip_id: str
    trip_reference: str
    severity: str
    state: str
    text: str
    reported_by: dict[str, Any]
    reported_at: datetime
    resolved_at: datetime | None

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "trip_id": self.trip_id,
            "trip_reference": self.trip_reference,
            "severity": self.severity,
            "state": self.state,
            "text": self.text,
            "reported_by": self.reported_by,
            "reported_at": self.reported_at.isoformat(),
            "resolved_at": self.resolved_at.isoformat() if self.resolved_at else None,
        }


_SELECT = (
    "SELECT i.*, tr.reference AS trip_reference, s.name AS author_name, s.phone AS author_phone,"
    " s.role AS author_role FROM incidents i JOIN trips tr ON tr.id = i.trip_id"
    " JOIN staff s ON s.id = i.reported_by"
)


def _incident(r: Any) -> Incident:
    return Incident(
        id=str(r.id),
        trip_id=str(r.trip_id),
        trip_reference=r.trip_reference,
        severity=r.severity,
        state=r.state,
        text=r.text,
        reported_by={
            "user_id": str(r.reported_by),
            "name": r.author_name,
            "phone": r.author_phone,
            "role": r.author_role,
        },
        reported_at=r.reported_at,
        resolved_at=r.resolved_at,
    )


async def insert_incident(
    conn: AsyncConnection,
    *,
    incident_id: str,
    tenant_id: str,
    trip_id: str,
    severity: str,
    body: str,
    author_id: str,
    now: datetime,
) -> None:
    await conn.execute(
        text(
            "INSERT INTO incidents (id, tenant_id, trip_id, severity, state, text, reported_by,"
            " reported_at, updated_at) VALUES (:i, :t, :tr, :sev, 'OPEN', :x, :a, :now, :now)"
        ),
        {
            "i": incident_id,
            "t": tenant_id,
            "tr": trip_id,
            "sev": severity,
            "x": body,
            "a": author_id,
            "now": now,
        },
    )


async def find_incident(
    conn: AsyncConnection, tenant_id: str, incident_id: str, *, lock: bool = False
) -> Incident | None:
    if parse_uuid(incident_id) is None:
        return None
    row = (
        await conn.execute(
            text(
                f"{_SELECT} WHERE i.tenant_id = :t AND i.id = :i"
                + (" FOR UPDATE OF i" if lock else "")
            ),
            {"t": tenant_id, "i": incident_id},
        )
    ).first()
    return _incident(row) if row else None


async def add_update(
    conn: AsyncConnection,
    *,
    update_id: str,
    incident_id: str,
    author_id: str,
    body: str,
    state_from: str,
    state_to: str,
    now: datetime,
) -> None:
    await conn.execute(
        text(
            "INSERT INTO incident_updates (id, incident_id, author_id, text, state_from,"
            " state_to, created_at) VALUES (:i, :inc, :a, :x, :f, :to, :now)"
        ),
        {
            "i": update_id,
            "inc": incident_id,
            "a": author_id,
            "x": body,
            "f": state_from,
            "to": state_to,
            "now": now,
        },
    )
    resolved = state_to == "RESOLVED" and state_from != "RESOLVED"
    await conn.execute(
        text(
            "UPDATE incidents SET state = :s, updated_at = :now"
            + (", resolved_at = :now, resolved_by = :a" if resolved else "")
            + " WHERE id = :inc"
        ),
        {"s": state_to, "now": now, "a": author_id, "inc": incident_id},
    )


async def updates_of(conn: AsyncConnection, incident_id: str) -> list[dict[str, Any]]:
    rows = await conn.execute(
        text(
            "SELECT u.*, s.name, s.phone, s.role FROM incident_updates u"
            " JOIN staff s ON s.id = u.author_id WHERE u.incident_id = :i"
            " ORDER BY u.created_at, u.seq"
        ),
        {"i": incident_id},
    )
    return [
        {
            "id": str(r.id),
            "text": r.text,
            "author": {
                "user_id": str(r.author_id),
                "name": r.name,
                "phone": r.phone,
                "role": r.role,
            },
            "state_from": r.state_from,
            "state_to": r.state_to,
            "created_at": r.created_at.isoformat(),
        }
        for r in rows
    ]


_BY_REPORT = Keyset(SortKey("i.reported_at", "timestamptz"), SortKey("i.id", "uuid"))


async def list_incidents(
    conn: AsyncConnection,
    tenant_id: str,
    *,
    trip_id: str | None,
    state: str | None,
    after: tuple[datetime, str] | None,
    limit: int,
) -> list[Incident]:
    page = _BY_REPORT.page(after, limit)
    rows = await conn.execute(
        text(
            f"{_SELECT} WHERE i.tenant_id = :t"
            " AND (CAST(:tr AS uuid) IS NULL OR i.trip_id = CAST(:tr AS uuid))"
            " AND (CAST(:s AS text) IS NULL OR i.state = :s)"
            f" AND {page.where} {page.order_limit}"
        ),
        {"t": tenant_id, "tr": trip_id, "s": state, **page.params},
    )
    return [_incident(r) for r in rows]
