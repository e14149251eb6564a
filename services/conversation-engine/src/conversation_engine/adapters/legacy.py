"""Rows written before phones and bodies were sealed (migration 0003), sealed at start.

Runs before the service consumes anything, in batches, each in its own transaction; rows
locked by another replica doing the same are skipped (it seals them). Once done it finds
nothing and costs one query per table.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from waops_observability import get_logger

from conversation_engine.adapters.sealing import Sealer

log = get_logger(__name__)

BATCH = 500


async def seal_clear_rows(engine: AsyncEngine, sealer: Sealer) -> int:
    """Seal every clear phone and body left; returns how many rows were sealed."""
    total = 0
    for step in (_actors, _conversations, _messages):
        while True:
            async with engine.begin() as conn:
                sealed = await step(conn, sealer)
            total += sealed
            if sealed < BATCH:
                break
    if total:
        log.info("legacy.sealed", rows=total)
    return total


async def _actors(conn: AsyncConnection, sealer: Sealer) -> int:
    rows = (
        await conn.execute(
            text(
                "SELECT tenant_id, phone FROM actors WHERE phone IS NOT NULL"
                " LIMIT :batch FOR UPDATE SKIP LOCKED"
            ),
            {"batch": BATCH},
        )
    ).all()
    for row in rows:
        params = {
            "tenant_id": row.tenant_id,
            "phone": row.phone,
            "phone_index": sealer.index(row.phone),
        }
        # A sealed row for the same phone was written since: it is the newer, keep it.
        await conn.execute(
            text(
                "DELETE FROM actors WHERE tenant_id = :tenant_id AND phone = :phone AND EXISTS"
                " (SELECT 1 FROM actors WHERE tenant_id = :tenant_id"
                " AND phone_index = :phone_index)"
            ),
            params,
        )
        await conn.execute(
            text(
                "UPDATE actors SET phone_index = :phone_index, phone_sealed = :phone_sealed,"
                " phone = NULL WHERE tenant_id = :tenant_id AND phone = :phone"
            ),
            {**params, "phone_sealed": sealer.seal(row.phone)},
        )
    return len(rows)


async def _conversations(conn: AsyncConnection, sealer: Sealer) -> int:
    rows = (
        await conn.execute(
            text(
                "SELECT id, tenant_id, channel_id, phone FROM conversations"
                " WHERE phone IS NOT NULL LIMIT :batch FOR UPDATE SKIP LOCKED"
            ),
            {"batch": BATCH},
        )
    ).all()
    for row in rows:
        params = {
            "conversation_id": row.id,
            "tenant_id": row.tenant_id,
            "channel_id": row.channel_id,
            "phone_index": sealer.index(row.phone),
            "phone_sealed": sealer.seal(row.phone),
        }
        # One conversation per phone is open: one opened since (sealed) supersedes this one.
        await conn.execute(
            text(
                "UPDATE conversations SET state = 'EXPIRED' WHERE id = :conversation_id"
                " AND state = 'OPEN' AND EXISTS (SELECT 1 FROM conversations"
                " WHERE tenant_id = :tenant_id AND channel_id = :channel_id"
                " AND phone_index = :phone_index AND state = 'OPEN')"
            ),
            params,
        )
        await conn.execute(
            text(
                "UPDATE conversations SET phone_index = :phone_index, phone_sealed = :phone_sealed,"
                " phone = NULL WHERE id = :conversation_id"
            ),
            params,
        )
    return len(rows)


async def _messages(conn: AsyncConnection, sealer: Sealer) -> int:
    rows = (
        await conn.execute(
            text(
                "SELECT id, body FROM messages WHERE body IS NOT NULL"
                " LIMIT :batch FOR UPDATE SKIP LOCKED"
            ),
            {"batch": BATCH},
        )
    ).all()
    for row in rows:
        await conn.execute(
            text(
                "UPDATE messages SET body_sealed = :body_sealed, body = NULL WHERE id = :message_id"
            ),
            {"message_id": row.id, "body_sealed": sealer.seal(row.body)},
        )
    return len(rows)
