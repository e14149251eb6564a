"""The timeline_entries table."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from timeline.domain.placement import Placement


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
            " occurred_at, summary, data, correlation_id) VALUES (:t, :ot, :oi, :e, :et, :at, :s,"
            " CAST(:d AS jsonb), :c) ON CONFLICT (event_id, object_type, object_id) DO NOTHING"
        ),
        {
            "t": tenant_id,
            "ot": placement.object_type,
            "oi": placement.object_id,
            "e": event_id,
            "et": event_type,
            "at": occurred_at,
            "s": placement.summary,
            "d": json.dumps(data),
            "c": correlation_id,
        },
    )


async def entries_for(
    conn: AsyncConnection, tenant_id: str, object_type: str, object_id: str, limit: int
) -> list[dict[str, Any]]:
    rows = await conn.execute(
        text(
            "SELECT event_id, event_type, occurred_at, summary, data, correlation_id"
            " FROM timeline_entries WHERE tenant_id = :t AND object_type = :ot AND object_id = :oi"
            " ORDER BY occurred_at, id LIMIT :limit"
        ),
        {"t": tenant_id, "ot": object_type, "oi": object_id, "limit": limit},
    )
    return [
        {
            "event_id": r.event_id,
            "event_type": r.event_type,
            "occurred_at": r.occurred_at.isoformat(),
            "summary": r.summary,
            "data": r.data,
            "correlation_id": r.correlation_id,
        }
        for r in rows
    ]
