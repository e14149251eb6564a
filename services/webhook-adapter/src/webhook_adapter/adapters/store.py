"""The adapter's webhook tables: the raw log and the dedup records."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from webhook_adapter.adapters.channels import Channel
from webhook_adapter.domain.inbound import Inbound, StatusUpdate

T = TypeVar("T")


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
    conn: AsyncConnection, channel: Channel, webhook_event_id: int, messages: Sequence[Inbound]
) -> list[Inbound]:
    """The messages seen for the first time, in one statement (a concurrent duplicate waits,
    then loses)."""
    if not messages:
        return []
    result = await conn.execute(
        text(
            "INSERT INTO inbound_messages (provider, provider_message_id, channel_id, from_phone,"
            " kind, sent_at, webhook_event_id) SELECT :p, m, :c, f, k, s, :w FROM unnest("
            "CAST(:m AS text[]), CAST(:f AS text[]), CAST(:k AS text[]),"
            " CAST(:s AS timestamptz[])) AS u(m, f, k, s)"
            " ON CONFLICT (provider_message_id) DO NOTHING RETURNING provider_message_id"
        ),
        {
            "p": channel.provider,
            "c": channel.id,
            "w": webhook_event_id,
            "m": [m.provider_message_id for m in messages],
            "f": [m.from_phone for m in messages],
            "k": [m.kind for m in messages],
            "s": [m.sent_at for m in messages],
        },
    )
    return _first_seen(messages, set(result.scalars()), lambda m: m.provider_message_id)


async def record_statuses(
    conn: AsyncConnection,
    channel: Channel,
    webhook_event_id: int,
    statuses: Sequence[StatusUpdate],
) -> list[StatusUpdate]:
    """The (message, status) pairs seen for the first time, in one statement."""
    if not statuses:
        return []
    result = await conn.execute(
        text(
            "INSERT INTO message_statuses (provider_message_id, status, channel_id, occurred_at,"
            " webhook_event_id, provider_status) SELECT m, s, :c, o, :w, ps FROM unnest("
            "CAST(:m AS text[]), CAST(:s AS text[]), CAST(:o AS timestamptz[]),"
            " CAST(:ps AS text[])) AS u(m, s, o, ps)"
            " ON CONFLICT (provider_message_id, status) DO NOTHING"
            " RETURNING provider_message_id, status"
        ),
        {
            "c": channel.id,
            "w": webhook_event_id,
            "m": [s.provider_message_id for s in statuses],
            "s": [s.status for s in statuses],
            "o": [s.occurred_at for s in statuses],
            "ps": [s.provider_status for s in statuses],
        },
    )
    inserted = {(row.provider_message_id, row.status) for row in result}
    return _first_seen(statuses, inserted, lambda s: (s.provider_message_id, s.status))


def _first_seen(items: Sequence[T], inserted: set[Any], key: Callable[[T], Any]) -> list[T]:
    """``items`` whose key was inserted, in payload order; a repeat within the same webhook
    is a duplicate too (its row conflicted with the first)."""
    fresh = []
    for item in items:
        if key(item) in inserted:
            inserted.discard(key(item))
            fresh.append(item)
    return fresh
