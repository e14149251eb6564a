"""Idempotent consumer: record ``(consumer, event id)`` in the handler's transaction.

A second delivery of the same event finds the key already there and changes nothing;
two concurrent deliveries serialise on the primary key, and the loser sees the conflict
once the winner commits.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

_CLAIM = text(
    "INSERT INTO inbox (consumer, event_id, event_type) VALUES (:consumer, :event_id, :event_type) "
    "ON CONFLICT (consumer, event_id) DO NOTHING RETURNING event_id"
)


async def claim(conn: AsyncConnection, consumer: str, event_id: str, event_type: str) -> bool:
    """True if this event is new for this consumer (and is now claimed in this transaction)."""
    result = await conn.execute(
        _CLAIM, {"consumer": consumer, "event_id": event_id, "event_type": event_type}
    )
    return result.first() is not None
