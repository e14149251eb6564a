"""Authenticated webhooks in: logged raw, deduplicated, normalised to events, in one transaction.

The caller owns the transaction, so the raw log rows, the dedup records and the outbox events
commit together: 200 to the provider means all of it is durable, and a retry of the same
message id inserts nothing and publishes nothing. Whatever cannot be published (an unknown or
disabled channel, an unreadable item) is named in the raw log row's quarantine reason; the
rest of the same webhook is published regardless.

``ingest_group`` takes several webhooks at once (see ``group_commit``) with one statement per
table for the whole group; each webhook's outcome is exactly what it would be alone, in the
group's order (of two webhooks naming the same message id, the earlier one publishes it).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncConnection
from waops_contracts import Envelope, conversation_key
from waops_messaging import EventWriter
from waops_messaging.outbox import add_many_to_outbox

from webhook_adapter.adapters import channels, store
from webhook_adapter.adapters.channels import Channel
from webhook_adapter.adapters.store import RawWebhook, Row
from webhook_adapter.domain.channels import refusal
from webhook_adapter.domain.inbound import Batch, Inbound, StatusUpdate
from webhook_adapter.handlers import media


@dataclass
class Outcome:
    webhook_event_id: int
    published: int = 0
    duplicates: int = 0
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Webhook:
    """One authenticated webhook to ingest. ``door`` is the webhook path's provider (meta,
    360dialog, twilio); ``accepts`` may refuse a known channel with a reason (e.g. the body
    was signed with another channel's secret); ``traceparent`` is the request's, for its
    events."""

    door: str
    body: bytes
    headers: dict[str, str]
    batches: list[Batch]
    accepts: Callable[[Channel], str | None] | None = None
    traceparent: str | None = None


def phone_subject(phone: str) -> str:
    return f"PHONE/{phone}"


async def ingest(conn: AsyncConnection, writer: EventWriter, webhook: Webhook) -> Outcome:
    (outcome,) = await ingest_group(conn, writer, [webhook])
    return outcome


@dataclass
class _Plan:
    """What a webhook will publish, per channel, decided before anything is written."""

    webhook: Webhook
    problems: list[str] = field(default_factory=list)
    publishable: list[tuple[Channel, Batch]] = field(default_factory=list)


async def ingest_group(
    conn: AsyncConnection, writer: EventWriter, webhooks: Sequence[Webhook]
) -> list[Outcome]:
    known = await channels.channels_for(
        conn, (b.address for w in webhooks for b in w.batches if b.address)
    )
    plans = [_plan(w, known) for w in webhooks]
    ids = await store.log_webhooks(
        conn,
        [
            RawWebhook(
                provider=p.webhook.door,
                body=p.webhook.body,
                headers=json.dumps(p.webhook.headers),
                reason="; ".join(p.problems) if p.problems else None,
            )
            for p in plans
        ],
    )
    outcomes = [Outcome(wid, problems=p.problems) for wid, p in zip(ids, plans, strict=True)]
    messages = [
        Row(m, channel, wid)
        for wid, p in zip(ids, plans, strict=True)
        for channel, batch in p.publishable
        for m in batch.messages
    ]
    statuses = [
        Row(s, channel, wid)
        for wid, p in zip(ids, plans, strict=True)
        for channel, batch in p.publishable
        for s in batch.statuses
    ]
    new_messages = await store.record_inbound(conn, messages)
    new_statuses = await store.record_statuses(conn, statuses)
    envelopes: list[Envelope] = []
    for outcome, plan in zip(outcomes, plans, strict=True):
        wid = outcome.webhook_event_id
        for channel, batch in plan.publishable:
            fresh: list[Inbound | StatusUpdate] = [
                *[
                    await register_inbound_media(conn, channel, message)
                    for message in store.first_seen(
                        batch.messages,
                        new_messages.setdefault(wid, set()),
                        lambda m: m.provider_message_id,
                    )
                ],
                *store.first_seen(
                    batch.statuses,
                    new_statuses.setdefault(wid, set()),
                    lambda s: (s.provider_message_id, s.status),
                ),
            ]
            envelopes.extend(_envelope(writer, channel, u, plan.webhook) for u in fresh)
            outcome.published += len(fresh)
            outcome.duplicates += len(batch.messages) + len(batch.statuses) - len(fresh)
    await add_many_to_outbox(conn, writer.schema, envelopes)
    return outcomes


def _plan(webhook: Webhook, known: dict[str, Channel]) -> _Plan:
    plan = _Plan(webhook)
    for batch in webhook.batches:
        plan.problems.extend(batch.problems)
        if batch.address is None:
            continue
        channel = known.get(batch.address)
        reason = refusal(webhook.door, batch.address, channel)
        if reason is None and channel is not None and webhook.accepts is not None:
            reason = webhook.accepts(channel)
        if reason is not None or channel is None:
            plan.problems.append(reason or f"unknown channel {batch.address}")
            continue
        plan.publishable.append((channel, batch))
    return plan


def _envelope(
    writer: EventWriter, channel: Channel, update: Inbound | StatusUpdate, webhook: Webhook
) -> Envelope:
    """What ``EventWriter.write`` would stage, with the request's own traceparent (the group
    is written by another task than the request's)."""
    return Envelope.wrap(
        update.event(channel.provider, channel.id),
        source=writer.source,
        tenant_id=channel.tenant_id,
        subject=phone_subject(update.phone),
        event_id=update.event_id,
        # A status travels with the phone's messages: one conversation, one order.
        partition_key=conversation_key(channel.id, update.phone),
        traceparent=webhook.traceparent,
    )


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
