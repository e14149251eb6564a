"""An inbound message: find or open its conversation, record it, then hold the dialogue.

Runs on an ordered partition: one conversation's messages arrive here one at a time, in
the order the adapter published them.
"""

from __future__ import annotations

from waops_contracts import conversation_key, phone_key
from waops_contracts.events import ConversationOpened, MessageReceived
from waops_messaging import HandlerContext
from waops_observability import get_logger

from conversation_engine.adapters import conversations as store
from conversation_engine.adapters.read_models import directory_entry
from conversation_engine.domain.conversations import (
    Step,
    actor_role,
    as_utc,
    carried_profile_name,
    conversation_subject,
    extended_window,
    next_step,
    opening_window,
)
from conversation_engine.handlers.deps import ConversationDeps
from conversation_engine.handlers.dialogue import Speaker, converse, understand

log = get_logger(__name__)


class MessageRecordedMeanwhile(RuntimeError):
    """The same provider message was recorded by a concurrent handler: roll back, and the
    retry sees it as the duplicate it is."""


async def on_message_received(
    event: MessageReceived, ctx: HandlerContext[ConversationDeps]
) -> None:
    # A provider's retry may reach us under a new event id: the provider's id decides.
    if await store.message_known(ctx.conn, event.provider_message_id):
        log.info("message.duplicate", provider_message_id=event.provider_message_id)
        return
    phone = phone_key(event.from_phone)
    entry = await directory_entry(ctx.conn, ctx.deps.sealer, ctx.tenant_id, phone)
    speaker = Speaker(phone=phone, role=actor_role(entry), entry=entry)
    understood = await understand(event, ctx, speaker)
    conversation_id, step, name = await _find_or_open(event, ctx, speaker)
    recorded = await store.record_message(
        ctx.conn,
        ctx.deps.sealer,
        conversation_id=conversation_id,
        direction="in",
        provider_message_id=event.provider_message_id,
        kind=event.kind,
        body=_body(event),
        sent_at=as_utc(event.sent_at),
        received_at=ctx.envelope.time,
    )
    if not recorded:
        raise MessageRecordedMeanwhile(event.provider_message_id)
    resumed = step is Step.START_OVER
    await converse(event, ctx, speaker, conversation_id, name, understood, resumed=resumed)


async def _find_or_open(
    event: MessageReceived, ctx: HandlerContext[ConversationDeps], speaker: Speaker
) -> tuple[str, Step, str | None]:
    """The message's conversation (continued, or opened when there is none or it expired),
    how it was found, and the name the person goes by."""
    sealer, tenant, ttl = ctx.deps.sealer, ctx.tenant_id, ctx.deps.conversation_ttl
    sent_at = as_utc(event.sent_at)
    current = await store.lock_open_conversation(
        ctx.conn, sealer, tenant, event.channel_id, speaker.phone
    )
    name = carried_profile_name(current, event.profile_name)
    step = next_step(current, sent_at)
    if step is Step.CONTINUE:
        assert current is not None
        window = extended_window(current.last_inbound_at, sent_at, ttl)
        await store.continue_conversation(
            ctx.conn, current.id, actor_role=speaker.role, profile_name=name, window=window
        )
        return current.id, step, name
    if current is not None:  # Step.START_OVER: the window closed
        await store.expire(ctx.conn, current.id)
    conversation_id = await store.open_conversation(
        ctx.conn,
        sealer,
        tenant_id=tenant,
        channel_id=event.channel_id,
        phone=speaker.phone,
        actor_role=speaker.role,
        profile_name=name,
        window=opening_window(sent_at, ttl),
        previous_id=current.id if current is not None else None,
    )
    await ctx.publish(
        ConversationOpened(
            conversation_id=conversation_id,
            channel_id=event.channel_id,
            phone=speaker.phone,
            actor_role=speaker.role,
        ),
        subject=conversation_subject(conversation_id),
        partition_key=conversation_key(event.channel_id, speaker.phone),
    )
    log.info("conversation.opened", conversation_id=conversation_id, step=step.value)
    return conversation_id, step, name


def _body(event: MessageReceived) -> str | None:
    """What the person wrote: the text, or a media message's caption."""
    if event.text is not None:
        return event.text
    return event.media.caption if event.media is not None else None
