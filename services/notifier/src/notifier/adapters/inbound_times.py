"""The last_inbound read model: when each person last wrote to each channel."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection
from waops_contracts import phone_key


async def remember_inbound(
    conn: AsyncConnection, *, channel_id: str, phone: str, at: datetime
) -> None:
    """Keep the latest time: messages arrive in any order and redelivered, so an older one
    changes nothing."""
    await conn.execute(
        text(
            "INSERT INTO last_inbound (channel_id, phone, at) VALUES (:channel_id, :phone, :inbound_at)"
            " ON CONFLICT (channel_id, phone) DO UPDATE SET at = EXCLUDED.at"
            " WHERE last_inbound.at < EXCLUDED.at"
        ),
        {"channel_id": channel_id, "phone": phone_key(phone), "inbound_at": at},
    )


async def last_inbound(conn: AsyncConnection, channel_id: str, phone: str) -> datetime | None:
    found = await conn.scalar(
        text("SELECT at FROM last_inbound WHERE channel_id = :channel_id AND phone = :phone"),
        {"channel_id": channel_id, "phone": phone_key(phone)},
    )
    return found if isinstance(found, datetime) else None
