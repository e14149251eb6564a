"""The timeline_entries table."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncConnection

from timeline.domain.placement import Placement


@dataclass(frozen=True)
class TimelineEntry:
    """One stored entry of an object's timeline."""

    event_id: str
    event_type: str
    occurred_at: datetime
    summary: str
    data: Any
    correlation_id: str | None


def timeline_entry(row: Row[Any]) -> TimelineEntry:
    """A row of ``SELECT event_id, event_type, occurred_at, summary, data, correlation_id``."""
    return TimelineEntry(
        event_id=row.event_id,
        event_type=row.event_type,
        occurred_at=row.occurred_at,
        summary=row.summary,
        data=row.data,
        correlation_id=row.correlation_id,
    )


async def add_entry(
    conn: AsyncConnection,
    *,
    tenant_id: str,
    placement: Placement,
    event_id: str,
    event_type: str,
    occurred_at: datetime,
    data: dict[str, Any],
    correlation_id: str,
) -> None:
    await conn.execute(
        text(
            "INSERT INTO timeline_entries (tenant_id, object_type, object_id, event_id, event_type,"
            " occurred_at, summary, data, correlation_id) VALUES (:tenant_id, :object_type,"
            " :object_id, :event_id, :event_type, :occurred_at, :summary, CAST(:data AS jsonb),"
            " :correlation_id) ON CONFLICT (event_id, object_type, object_id) DO NOTHING"
        ),
        {
            "tenant_id": tenant_id,
            "object_type": placement.object_type,
            "object_id": placement.object_id,
            "event_id": event_id,
            "event_type": event_type,
            "occurred_at": occurred_at,
            "summary": placement.summary,
            "data": json.dumps(data),
            "correlation_id": correlation_id,
        },
    )


async def entries_for(
    conn: AsyncConnection, tenant_id: str, object_type: str, object_id: str, limit: int
) -> list[TimelineEntry]:
    rows = await conn.execute(
        text(
            "SELECT event_id, event_type, occurred_at, summary, data, correlation_id"
            " FROM timeline_entries WHERE tenant_id = :tenant_id AND object_type = :object_type"
            " AND object_id = :object_id ORDER BY occurred_at, id LIMIT :limit"
        ),
        {
            "tenant_id": tenant_id,
            "object_type": object_type,
            "object_id": object_id,
            "limit": limit,
        },
    )
    return [timeline_entry(r) for r in rows]
