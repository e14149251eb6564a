"""Incidents and their updates (each update names its author and the state it moved)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncConnection
from waops_service_kit.keyset import Keyset, SortKey

from core.adapters.directory import parse_uuid
from core.domain.incidents import Author, Incident, IncidentUpdate

_SELECT = (
    "SELECT i.*, tr.reference AS trip_reference, s.name AS author_name, s.phone AS author_phone,"
    " s.role AS author_role FROM incidents i JOIN trips tr ON tr.id = i.trip_id"
    " JOIN staff s ON s.id = i.reported_by"
)


def incident_from_row(row: Row[Any]) -> Incident:
    """An ``incidents`` row (joined with its trip's reference and its reporter) as the
    aggregate."""
    return Incident(
        id=str(row.id),
        trip_id=str(row.trip_id),
        trip_reference=row.trip_reference,
        severity=row.severity,
        state=row.state,
        text=row.text,
        reported_by=Author(
            user_id=str(row.reported_by),
            name=row.author_name,
            phone=row.author_phone,
            role=row.author_role,
        ),
        reported_at=row.reported_at,
        resolved_at=row.resolved_at,
    )


def update_from_row(row: Row[Any]) -> IncidentUpdate:
    """An ``incident_updates`` row (joined with its author) as a typed update."""
    return IncidentUpdate(
        id=str(row.id),
        text=row.text,
        author=Author(user_id=str(row.author_id), name=row.name, phone=row.phone, role=row.role),
        state_from=row.state_from,
        state_to=row.state_to,
        created_at=row.created_at,
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
            " reported_at, updated_at) VALUES (:incident_id, :tenant_id, :trip_id, :severity,"
            " 'OPEN', :text, :reported_by, :now, :now)"
        ),
        {
            "incident_id": incident_id,
            "tenant_id": tenant_id,
            "trip_id": trip_id,
            "severity": severity,
            "text": body,
            "reported_by": author_id,
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
                f"{_SELECT} WHERE i.tenant_id = :tenant_id AND i.id = :incident_id"
                + (" FOR UPDATE OF i" if lock else "")
            ),
            {"tenant_id": tenant_id, "incident_id": incident_id},
        )
    ).first()
    return incident_from_row(row) if row else None


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
            " state_to, created_at) VALUES (:update_id, :incident_id, :author_id, :text,"
            " :state_from, :state_to, :now)"
        ),
        {
            "update_id": update_id,
            "incident_id": incident_id,
            "author_id": author_id,
            "text": body,
            "state_from": state_from,
            "state_to": state_to,
            "now": now,
        },
    )
    resolved = state_to == "RESOLVED" and state_from != "RESOLVED"
    await conn.execute(
        text(
            "UPDATE incidents SET state = :state, updated_at = :now"
            + (", resolved_at = :now, resolved_by = :author_id" if resolved else "")
            + " WHERE id = :incident_id"
        ),
        {"state": state_to, "now": now, "author_id": author_id, "incident_id": incident_id},
    )


async def updates_of(conn: AsyncConnection, incident_id: str) -> list[IncidentUpdate]:
    rows = await conn.execute(
        text(
            "SELECT u.*, s.name, s.phone, s.role FROM incident_updates u"
            " JOIN staff s ON s.id = u.author_id WHERE u.incident_id = :incident_id"
            " ORDER BY u.created_at, u.seq"
        ),
        {"incident_id": incident_id},
    )
    return [update_from_row(r) for r in rows]


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
            f"{_SELECT} WHERE i.tenant_id = :tenant_id"
            " AND (CAST(:trip_id AS uuid) IS NULL OR i.trip_id = CAST(:trip_id AS uuid))"
            " AND (CAST(:state AS text) IS NULL OR i.state = :state)"
            f" AND {page.where} {page.order_limit}"
        ),
        {"tenant_id": tenant_id, "trip_id": trip_id, "state": state, **page.params},
    )
    return [incident_from_row(r) for r in rows]
