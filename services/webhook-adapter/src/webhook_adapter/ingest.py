"""An authenticated webhook in: logged raw, deduplicated, normalised to events, in one transaction.

The caller owns the transaction, so the raw log row, the dedup records and the outbox events
commit together: 200 to Meta means all of it is durable, and a retry of the same message id
inserts nothing and publishes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection
from waops_contracts import stable_event_id
from waops_messaging import EventWriter

from webhook_adapter.adapters import store
from webhook_adapter.adapters.store import Channel
from webhook_adapter.domain.meta import Change, read_changes

WIRE = "meta"  # the wire format (and id space of message ids) this route speaks


@dataclass
class Outcome:
    webhook_event_id: int
    published: int = 0
    duplicates: int = 0
    problems: list[str] = field(default_factory=list)


def partition_key(channel_id: str, phone: str) -> str:
    """``<channel>:<phone>``, the conversation key consumers partition on (docs/spine.md)."""
    return f"{channel_id}:{phone}"


def phone_subject(phone: str) -> str:
    return f"PHONE/{phone}"


async def ingest(
    conn: AsyncConnection,
    writer: EventWriter,
    *,
    body: bytes,
    headers: dict[str, str],
    doc: dict[str, Any],
) -> Outcome:
    outcome = Outcome(await store.log_webhook(conn, provider=WIRE, body=body, headers=headers))
    for change in read_changes(doc):
        outcome.problems.extend(change.problems)
        if change.phone_number_id is None:
            continue
        channel = await store.channel_for(conn, change.phone_number_id)
        if channel is None:
            outcome.problems.append(f"unknown phone_number_id {change.phone_number_id}")
            continue
        await _messages(conn, writer, channel, change, outcome)
        await _statuses(conn, writer, channel, change, outcome)
    if outcome.problems:
        await store.quarantine(conn, outcome.webhook_event_id, "; ".join(outcome.problems))
    return outcome


async def _messages(
    conn: AsyncConnection, writer: EventWriter, channel: Channel, change: Change, outcome: Outcome
) -> None:
    for message in change.messages:
        new = await store.record_inbound(
            conn,
            provider=channel.provider,
            provider_message_id=message.provider_message_id,
            channel_id=channel.id,
            from_phone=message.from_phone,
            kind=message.kind,
            sent_at=message.sent_at,
            webhook_event_id=outcome.webhook_event_id,
        )
        if not new:
            outcome.duplicates += 1
            continue
        await writer.write(
            conn,
            message.event(channel.provider, channel.id),
            tenant_id=channel.tenant_id,
            subject=phone_subject(message.from_phone),
            event_id=stable_event_id(WIRE, message.provider_message_id),
            partition_key=partition_key(channel.id, message.from_phone),
        )
        outcome.published += 1


async def _statuses(
    conn: AsyncConnection, writer: EventWriter, channel: Channel, change: Change, outcome: Outcome
) -> None:
    for status in change.statuses:
        new = await store.record_status(
            conn,
            provider_message_id=status.provider_message_id,
            status=status.status,
            channel_id=channel.id,
            occurred_at=status.occurred_at,
            webhook_event_id=outcome.webhook_event_id,
        )
        if not new:
            outcome.duplicates += 1
            continue
        await writer.write(
            conn,
            status.event(channel.provider, channel.id),
            tenant_id=channel.tenant_id,
            subject=phone_subject(status.recipient_phone),
            event_id=stable_event_id(WIRE, status.provider_message_id, status.status),
            # Same key as the phone's inbound messages: one conversation, one order.
            partition_key=partition_key(channel.id, status.recipient_phone),
        )
        outcome.published += 1
