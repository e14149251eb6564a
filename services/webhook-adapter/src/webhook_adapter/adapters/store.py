"""The adapter's tables: channels, the raw webhook log, and the dedup records."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection
from waops_contracts.events.messages import Provider


@dataclass(frozen=True)
class Channel:
    id: str
    tenant_id: str
    provider: Provider


async def upsert_channel(
    conn: AsyncConnection,
    *,
    channel_id: str,
    tenant_id: str,
    provider: str,
    phone_number_id: str,
    display_name: str,
) -> None:
    """Configuration wins on every start; an existing channel keeps its id."""
    await conn.execute(
        text(
            "INSERT INTO channels (id, tenant_id, provider, phone_number_id, display_name)"
            " VALUES (:id, :t, :p, :n, :d) ON CONFLICT (phone_number_id) DO UPDATE SET"
            " tenant_id = EXCLUDED.tenant_id, provider = EXCLUDED.provider,"
            " display_name = EXCLUDED.display_name"
        ),
        {"id": channel_id, "t": tenant_id, "p": provider, "n": phone_number_id, "d": display_name},
    )


async def channel_for(conn: AsyncConnection, phone_number_id: str) -> Channel | None:
    row = (
        await conn.execute(
            text("SELECT id, tenant_id, provider FROM channels WHERE phone_number_id = :n"),
            {"n": phone_number_id},
        )
    ).first()
    return Channel(row.id, row.tenant_id, row.provider) if row is not None else None


async def log_webhook(
    conn: AsyncConnection, *, provider: str, body: bytes, headers: dict[str, str]
) -> int:
    """The raw log row; only authenticated webhooks get here, hence signature_ok."""
    result = await conn.execute(
        text(
            "INSERT INTO webhook_events (provider, signature_ok, body, headers)"
            " VALUES (:p, true, :b, CAST(:h AS jsonb)) RETURNING id"
        ),
        {"p": provider, "b": body, "h": json.dumps(headers)},
    )
    return int(result.scalar_one())


async def quarantine(conn: AsyncConnection, webhook_event_id: int, reason: str) -> None:
    await conn.execute(
        text("UPDATE webhook_events SET status = 'quarantined', reason = :r WHERE id = :id"),
        {"r": reason, "id": webhook_event_id},
    )


async def record_inbound(
    conn: AsyncConnection,
    *,
    provider: str,
    provider_message_id: str,
    channel_id: str,
    from_phone: str,
    kind: str,
    sent_at: datetime,
    webhook_event_id: int,
) -> bool:
    """True the first time this message id is seen (a concurrent duplicate waits, then loses)."""
    result = await conn.execute(
        text(
            "INSERT INTO inbound_messages (provider, provider_message_id, channel_id, from_phone,"
            " kind, sent_at, webhook_event_id) VALUES (:p, :m, :c, :f, :k, :s, :w)"
            " ON CONFLICT (provider_message_id) DO NOTHING RETURNING id"
        ),
        {
            "p": provider,
            "m": provider_message_id,
            "c": channel_id,
            "f": from_phone,
            "k": kind,
            "s": sent_at,
            "w": webhook_event_id,
        },
    )
    return result.first() is not None


async def record_status(
    conn: AsyncConnection,
    *,
    provider_message_id: str,
    status: str,
    channel_id: str,
    occurred_at: datetime,
    webhook_event_id: int,
) -> bool:
    """True the first time this (message, status) pair is seen."""
    result = await conn.execute(
        text(
            "INSERT INTO message_statuses (provider_message_id, status, channel_id, occurred_at,"
            " webhook_event_id) VALUES (:m, :s, :c, :o, :w)"
            " ON CONFLICT (provider_message_id, status) DO NOTHING RETURNING id"
        ),
        {
            "m": provider_message_id,
            "s": status,
            "c": channel_id,
            "o": occurred_at,
            "w": webhook_event_id,
        },
    )
    return result.first() is not None
