"""Transactional outbox: events are written in the same transaction as the state change.

``add_to_outbox`` inserts the event row and a NOTIFY hint; the relay (``OutboxRelay``) publishes rows
with publisher confirms and marks them only after the confirm. NOTIFY is only a wake-up
hint (it takes a global lock at commit): the relay also polls, so a lost hint costs at most
one poll interval.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection
from waops_contracts import Envelope

from waops_messaging.topology import PARTITION_HEADER


def notify_channel(schema: str) -> str:
    return f"waops_outbox_{schema}"


def amqp_headers(envelope: Envelope) -> dict[str, Any]:
    """Headers copied out of the CloudEvent so the broker and tracing can see them."""
    headers: dict[str, Any] = {
        "ce-type": envelope.type,
        "ce-source": envelope.source,
        "tenantid": envelope.tenantid,
        "correlationid": envelope.correlationid,
    }
    if envelope.traceparent:
        headers["traceparent"] = envelope.traceparent
    # Always set: a consistent-hash exchange hashes a missing header as one and the same
    # value, so every unkeyed event would pile onto a single partition.
    headers[PARTITION_HEADER] = envelope.partitionkey or envelope.subject or envelope.id
    return headers


# One round trip: the NOTIFY hint is sent only when the row is new (PostgreSQL folds identical
# notifications of one transaction into one).
_STAGE = text(
    "WITH staged AS ("
    " INSERT INTO outbox (event_id, routing_key, body, headers)"
    " VALUES (:event_id, :routing_key, :body, CAST(:headers AS jsonb))"
    " ON CONFLICT (event_id) DO NOTHING RETURNING seq)"
    " SELECT seq, pg_notify(:channel, '') FROM staged"
)


async def add_to_outbox(conn: AsyncConnection, schema: str, envelope: Envelope) -> bool:
    """Stage an event in the caller's transaction. Returns False if its id was already staged."""
    result = await conn.execute(
        _STAGE,
        {
            "event_id": envelope.id,
            "routing_key": envelope.type,
            "body": envelope.to_json_bytes(),
            "headers": json.dumps(amqp_headers(envelope)),
            "channel": notify_channel(schema),
        },
    )
    return result.first() is not None


# Many events in one round trip (e.g. a group of webhooks committed together), in the given
# order; one NOTIFY hint for the lot.
_STAGE_MANY = text(
    "WITH staged AS ("
    " INSERT INTO outbox (event_id, routing_key, body, headers)"
    " SELECT e, r, b, CAST(h AS jsonb) FROM unnest("
    "CAST(:event_ids AS text[]), CAST(:routing_keys AS text[]), CAST(:bodies AS bytea[]),"
    " CAST(:headers AS text[])) WITH ORDINALITY AS u(e, r, b, h, n) ORDER BY n"
    " ON CONFLICT (event_id) DO NOTHING RETURNING event_id)"
    " SELECT event_id FROM staged, pg_notify(:channel, '')"
)


async def add_many_to_outbox(
    conn: AsyncConnection, schema: str, envelopes: list[Envelope]
) -> set[str]:
    """Stage events in the caller's transaction, in order. Returns the ids that were new
    (an id already staged is skipped, as ``add_to_outbox`` does)."""
    if not envelopes:
        return set()
    result = await conn.execute(
        _STAGE_MANY,
        {
            "event_ids": [e.id for e in envelopes],
            "routing_keys": [e.type for e in envelopes],
            "bodies": [e.to_json_bytes() for e in envelopes],
            "headers": [json.dumps(amqp_headers(e)) for e in envelopes],
            "channel": notify_channel(schema),
        },
    )
    return set(result.scalars())
