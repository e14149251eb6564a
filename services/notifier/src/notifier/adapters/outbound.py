"""The outbound_messages table: queue, claim, and record the outcome of each send."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

NOTIFY_CHANNEL = "waops_notifier_outbound"


@dataclass(frozen=True)
class Outbound:
    id: str
    tenant_id: str
    channel_id: str
    to_phone: str
    template: str
    body: str
    about_type: str | None
    about_id: str | None
    about_reference: str | None
    attempts: int
    correlation_id: str
    causation_id: str
    traceparent: str | None


async def queue_message(conn: AsyncConnection, **row: Any) -> bool:
    """Queue one message; False when the same cause already queued it (a duplicate)."""
    result = await conn.execute(
        text(
            "INSERT INTO outbound_messages (id, tenant_id, dedupe_key, channel_id, to_phone,"
            " template, language, body, about_type, about_id, about_reference, correlation_id,"
            " causation_id, traceparent) VALUES (:id, :tenant_id, :dedupe_key, :channel_id,"
            " :to_phone, :template, :language, :body, :about_type, :about_id, :about_reference,"
            " :correlation_id, :causation_id, :traceparent)"
            " ON CONFLICT (dedupe_key) DO NOTHING RETURNING id"
        ),
        {"id": str(uuid.uuid4()), **row},
    )
    queued = result.first() is not None
    if queued:
        await conn.execute(text(f"NOTIFY {NOTIFY_CHANNEL}"))
    return queued


async def claim_due(conn: AsyncConnection, limit: int, lease_seconds: float) -> list[Outbound]:
    """Lease due messages to this sender; a crashed sender's lease expires and is reclaimed."""
    rows = await conn.execute(
        text(
            "UPDATE outbound_messages SET status = 'sending', attempts = attempts + 1,"
            " claimed_until = now() + make_interval(secs => :lease), updated_at = now()"
            " WHERE id IN (SELECT id FROM outbound_messages WHERE next_attempt_at <= now() AND"
            " (status = 'queued' OR (status = 'sending' AND claimed_until < now()))"
            " ORDER BY next_attempt_at LIMIT :limit FOR UPDATE SKIP LOCKED)"
            " RETURNING id, tenant_id, channel_id, to_phone, template, body, about_type, about_id,"
            " about_reference, attempts, correlation_id, causation_id, traceparent"
        ),
        {"limit": limit, "lease": lease_seconds},
    )
    return [Outbound(**{**r._mapping, "id": str(r.id)}) for r in rows]


async def mark_sent(
    conn: AsyncConnection, message_id: str, provider: str, provider_message_id: str
) -> None:
    await conn.execute(
        text(
            "UPDATE outbound_messages SET status = 'sent', provider = :p, provider_message_id = :pm,"
            " claimed_until = NULL, last_error = NULL, updated_at = now() WHERE id = :id"
        ),
        {"id": message_id, "p": provider, "pm": provider_message_id},
    )


async def mark_retry(conn: AsyncConnection, message_id: str, error: str, at: datetime) -> None:
    await conn.execute(
        text(
            "UPDATE outbound_messages SET status = 'queued', last_error = :e, next_attempt_at = :at,"
            " claimed_until = NULL, updated_at = now() WHERE id = :id"
        ),
        {"id": message_id, "e": error[:1000], "at": at},
    )


async def mark_failed(conn: AsyncConnection, message_id: str, code: int | None, error: str) -> None:
    await conn.execute(
        text(
            "UPDATE outbound_messages SET status = 'failed', error_code = :c, last_error = :e,"
            " claimed_until = NULL, updated_at = now() WHERE id = :id"
        ),
        {"id": message_id, "c": code, "e": error[:1000]},
    )
