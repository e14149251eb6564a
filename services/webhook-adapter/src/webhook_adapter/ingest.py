"""An authenticated webhook in: logged raw, deduplicated, normalised to events, in one transaction.

The caller owns the transaction, so the raw log row, the dedup records and the outbox events
commit together: 200 to Meta means all of it is durable, and a retry of the same message id
inserts nothing and publishes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection
from waops_contracts import conversation_key
from waops_messaging import EventWriter

from webhook_adapter.adapters import store
from webhook_adapter.domain.meta import WIRE, Inbound, StatusUpdate, read_changes


@dataclass
class Outcome:
    webhook_event_id: int
    published: int = 0
    duplicates: int = 0
    problems: list[str] = field(default_factory=list)


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
        wid = outcome.webhook_event_id
        fresh: list[Inbound | StatusUpdate] = [
            *await store.record_inbound(conn, channel, wid, change.messages),
            *await store.record_statuses(conn, channel, wid, change.statuses),
        ]
        for update in fresh:
            await writer.write(
                conn,
                update.event(channel.provider, channel.id),
                tenant_id=channel.tenant_id,
                subject=phone_subject(update.phone),
                event_id=update.event_id,
                # A status travels with the phone's messages: one conversation, one order.
                partition_key=conversation_key(channel.id, update.phone),
            )
        outcome.published += len(fresh)
        outcome.duplicates += len(change.messages) + len(change.statuses) - len(fresh)
    if outcome.problems:
        await store.quarantine(conn, outcome.webhook_event_id, "; ".join(outcome.problems))
    return outcome
