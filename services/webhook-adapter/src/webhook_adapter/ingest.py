"""An authenticated webhook in: logged raw, deduplicated, normalised to events, in one transaction.

The caller owns the transaction, so the raw log row, the dedup records and the outbox events
commit together: 200 to the provider means all of it is durable, and a retry of the same
message id inserts nothing and publishes nothing. Whatever cannot be published (an unknown or
disabled channel, an unreadable item) is named in the raw log row's quarantine reason; the
rest of the same webhook is published regardless.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncConnection
from waops_contracts import conversation_key
from waops_messaging import EventWriter

from webhook_adapter import media
from webhook_adapter.adapters import channels, store
from webhook_adapter.adapters.channels import Channel
from webhook_adapter.domain.channels import refusal
from webhook_adapter.domain.inbound import Batch, Inbound, StatusUpdate


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
    door: str,
    body: bytes,
    headers: dict[str, str],
    batches: list[Batch],
    accepts: Callable[[Channel], str | None] | None = None,
) -> Outcome:
    """``door`` is the webhook path's provider (meta, 360dialog, twilio); ``accepts`` may
    refuse a known channel with a reason (e.g. the body was signed with another channel's
    secret)."""
    outcome = Outcome(await store.log_webhook(conn, provider=door, body=body, headers=headers))
    known = await channels.channels_for(conn, (b.address for b in batches if b.address))
    for batch in batches:
        outcome.problems.extend(batch.problems)
        if batch.address is None:
            continue
        channel = known.get(batch.address)
        reason = refusal(door, batch.address, channel)
        if reason is None and channel is not None and accepts is not None:
            reason = accepts(channel)
        if reason is not None or channel is None:
            outcome.problems.append(reason or f"unknown channel {batch.address}")
            continue
        await _publish(conn, writer, channel, outcome, batch)
    if outcome.problems:
        await store.quarantine(conn, outcome.webhook_event_id, "; ".join(outcome.problems))
    return outcome


async def _publish(
    conn: AsyncConnection, writer: EventWriter, channel: Channel, outcome: Outcome, batch: Batch
) -> None:
    wid = outcome.webhook_event_id
    fresh: list[Inbound | StatusUpdate] = [
        *[
            await register_inbound_media(conn, channel, message)
            for message in await store.record_inbound(conn, channel, wid, batch.messages)
        ],
        *await store.record_statuses(conn, channel, wid, batch.statuses),
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
    outcome.duplicates += len(batch.messages) + len(batch.statuses) - len(fresh)


async def register_inbound_media(
    conn: AsyncConnection, channel: Channel, message: Inbound
) -> Inbound:
    """The one place inbound media is handed to the media store, in the same transaction; it
    answers the adapter's stable reference for each item, which the event carries as ``ref``.
    Only first-seen messages get here; a replay would get the same references anyway."""
    if not message.all_media:
        return message
    registered = []
    for item in message.all_media:
        ref = await media.register_inbound_media(
            conn,
            tenant_id=channel.tenant_id,
            channel_id=channel.id,
            provider=channel.provider,
            provider_media_id=item.provider_media_id,
            url=item.url,
            mime_type=item.mime_type,
            filename=item.filename,
        )
        registered.append(item.model_copy(update={"ref": ref}))
    return message.with_media(tuple(registered))
