"""The adapter's webhook tables: the raw log and the dedup records, written for a group of
webhooks at a time (one statement per table, whatever the group's size)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from webhook_adapter.adapters.channels import Channel
from webhook_adapter.domain.inbound import Inbound, StatusUpdate

T = TypeVar("T")

_LOG = text(
    "WITH ids AS (SELECT nextval(pg_get_serial_sequence('webhook_events', 'id')) AS id,"
    " n FROM generate_series(1, :count) AS n),"
    " logged AS (INSERT INTO webhook_events"
    " (id, provider, signature_ok, body, headers, status, reason)"
    " SELECT ids.id, p, true, b, CAST(h AS jsonb),"
    " CASE WHEN r IS NULL THEN 'processed' ELSE 'quarantined' END, r"
    " FROM unnest(CAST(:providers AS text[]), CAST(:bodies AS bytea[]),"
    " CAST(:headers AS text[]), CAST(:reasons AS text[])) WITH ORDINALITY AS u(p, b, h, r, n) JOIN ids USING (n))"
    " SELECT id FROM ids ORDER BY n"
)
_INBOUND = text(
    "INSERT INTO inbound_messages (provider, provider_message_id, channel_id, from_phone,"
    " kind, sent_at, webhook_event_id) SELECT p, m, c, f, k, s, w FROM unnest("
    "CAST(:providers AS text[]), CAST(:provider_message_ids AS text[]),"
    " CAST(:channel_ids AS text[]), CAST(:from_phones AS text[]), CAST(:kinds AS text[]),"
    " CAST(:sent_ats AS timestamptz[]), CAST(:webhook_event_ids AS bigint[]))"
    " WITH ORDINALITY AS u(p, m, c, f, k, s, w, n) ORDER BY m, n"
    " ON CONFLICT (provider_message_id) DO NOTHING"
    " RETURNING provider_message_id, webhook_event_id"
)
_STATUSES = text(
    "INSERT INTO message_statuses (provider_message_id, status, channel_id, occurred_at,"
    " webhook_event_id, provider_status) SELECT m, s, c, o, w, ps FROM unnest("
    "CAST(:provider_message_ids AS text[]), CAST(:statuses AS text[]),"
    " CAST(:channel_ids AS text[]), CAST(:occurred_ats AS timestamptz[]),"
    " CAST(:webhook_event_ids AS bigint[]), CAST(:provider_statuses AS text[]))"
    " WITH ORDINALITY AS u(m, s, c, o, w, ps, n) ORDER BY m, s, n"
    " ON CONFLICT (provider_message_id, status) DO NOTHING"
    " RETURNING provider_message_id, status, webhook_event_id"
)


@dataclass(frozen=True)
class RawWebhook:
    """One authenticated webhook's raw log row; ``reason`` set means it is quarantined."""

    provider: str
    body: bytes
    headers: str  # JSON
    reason: str | None = None


@dataclass(frozen=True)
class Row(Generic[T]):
    """An inbound message or status to record, for its channel and its webhook's log row."""

    item: T
    channel: Channel
    webhook_event_id: int


async def log_webhooks(conn: AsyncConnection, webhooks: Sequence[RawWebhook]) -> list[int]:
    """The raw log rows, in one statement; their ids in the order given. Only authenticated
    webhooks get here, hence signature_ok; a quarantined one is stored as such."""
    result = await conn.execute(
        _LOG,
        {
            "count": len(webhooks),
            "providers": [w.provider for w in webhooks],
            "bodies": [w.body for w in webhooks],
            "headers": [w.headers for w in webhooks],
            "reasons": [w.reason for w in webhooks],
        },
    )
    return [int(i) for i in result.scalars()]


async def record_inbound(
    conn: AsyncConnection, rows: Sequence[Row[Inbound]]
) -> dict[int, set[str]]:
    """Per webhook row, the message ids it inserted, i.e. seen for the first time, in one
    statement. Rows go in message id order so concurrent groups lock in the same order; of
    two rows with the same id the earlier one wins (a concurrent duplicate waits, then loses)."""
    if not rows:
        return {}
    result = await conn.execute(
        _INBOUND,
        {
            "providers": [r.channel.provider for r in rows],
            "provider_message_ids": [r.item.provider_message_id for r in rows],
            "channel_ids": [r.channel.id for r in rows],
            "from_phones": [r.item.from_phone for r in rows],
            "kinds": [r.item.kind for r in rows],
            "sent_ats": [r.item.sent_at for r in rows],
            "webhook_event_ids": [r.webhook_event_id for r in rows],
        },
    )
    inserted: dict[int, set[str]] = {}
    for row in result:
        inserted.setdefault(row.webhook_event_id, set()).add(row.provider_message_id)
    return inserted


async def record_statuses(
    conn: AsyncConnection, rows: Sequence[Row[StatusUpdate]]
) -> dict[int, set[tuple[str, str]]]:
    """Per webhook row, the (message id, status) pairs seen for the first time, in one
    statement (ordered as ``record_inbound``)."""
    if not rows:
        return {}
    result = await conn.execute(
        _STATUSES,
        {
            "provider_message_ids": [r.item.provider_message_id for r in rows],
            "statuses": [r.item.status for r in rows],
            "channel_ids": [r.channel.id for r in rows],
            "occurred_ats": [r.item.occurred_at for r in rows],
            "webhook_event_ids": [r.webhook_event_id for r in rows],
            "provider_statuses": [r.item.provider_status for r in rows],
        },
    )
    inserted: dict[int, set[tuple[str, str]]] = {}
    for row in result:
        inserted.setdefault(row.webhook_event_id, set()).add((row.provider_message_id, row.status))
    return inserted


def first_seen(items: Sequence[T], inserted: set[Any], key: Callable[[T], Any]) -> list[T]:
    """``items`` whose key was inserted, in payload order; a repeat within the same webhook
    is a duplicate too (its row conflicted with the first). Taken keys leave ``inserted``."""
    fresh = []
    for item in items:
        if key(item) in inserted:
            inserted.discard(key(item))
            fresh.append(item)
    return fresh
