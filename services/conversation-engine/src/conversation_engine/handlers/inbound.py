"""An inbound message: find or open its conversation, record it, and understand it.

Runs on an ordered partition: one conversation's messages arrive here one at a time, in
the order the adapter published them.
"""

from __future__ import annotations

from datetime import date

from waops_contracts import conversation_key, stable_event_id
from waops_contracts.events import Actor, CommandRequested, ConversationOpened, MessageReceived
from waops_messaging import HandlerContext
from waops_observability import get_logger

from conversation_engine.adapters import conversations as store
from conversation_engine.adapters.read_models import active_catalogue, directory_entry
from conversation_engine.deps import ConversationDeps
from conversation_engine.domain.conversations import (
    CUSTOMER,
    Step,
    actor_role,
    as_utc,
    carried_profile_name,
    conversation_subject,
    create_lead_args,
    extended_window,
    next_step,
    normalize_phone,
    opening_window,
)
from conversation_engine.domain.understanding import Enquiry, understand_enquiry

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

    tenant = ctx.tenant_id
    phone = normalize_phone(event.from_phone)
    sent_at = as_utc(event.sent_at)
    ttl = ctx.deps.conversation_ttl
    key = conversation_key(event.channel_id, phone)
    role = actor_role(await directory_entry(ctx.conn, tenant, phone))

    current = await store.lock_open_conversation(ctx.conn, tenant, event.channel_id, phone)
    name = carried_profile_name(current, event.profile_name)
    step = next_step(current, sent_at)
    if step is Step.CONTINUE:
        assert current is not None
        conversation_id = current.id
        await store.continue_conversation(
            ctx.conn,
            conversation_id,
            actor_role=role,
            profile_name=name,
            window=extended_window(current.last_inbound_at, sent_at, ttl),
        )
    else:
        if current is not None:  # Step.START_OVER: the window closed
            await store.expire(ctx.conn, current.id)
        conversation_id = await store.open_conversation(
            ctx.conn,
            tenant_id=tenant,
            channel_id=event.channel_id,
            phone=phone,
            actor_role=role,
            profile_name=name,
            window=opening_window(sent_at, ttl),
            previous_id=current.id if current is not None else None,
        )
        await ctx.publish(
            ConversationOpened(
                conversation_id=conversation_id,
                channel_id=event.channel_id,
                phone=phone,
                actor_role=role,
            ),
            subject=conversation_subject(conversation_id),
            partition_key=key,
        )
        log.info("conversation.opened", conversation_id=conversation_id, step=step.value)

    recorded = await store.record_message(
        ctx.conn,
        conversation_id=conversation_id,
        direction="in",
        provider_message_id=event.provider_message_id,
        kind=event.kind,
        body=_body(event),
        sent_at=sent_at,
        received_at=ctx.envelope.time,
    )
    if not recorded:
        raise MessageRecordedMeanwhile(event.provider_message_id)

    understood = event.kind in UNDERSTOOD_KINDS and event.supported and event.text
    if role != CUSTOMER or not understood:
        return  # staff commands and dialogue come in later issues
    enquiry = await _understand(ctx, event.text or "", sent_at.date())
    if enquiry is None:
        return
    await ctx.publish(
        CommandRequested(
            # Derived from the inbound event, so a redelivery can never make a second command.
            command_id=stable_event_id("command", ctx.envelope.id),
            name="CreateLead",
            actor=Actor(phone=phone, role=CUSTOMER, name=name),
            conversation_id=conversation_id,
            channel_id=event.channel_id,
            args=create_lead_args(enquiry),
            source_text=event.text,
        ),
        subject=conversation_subject(conversation_id),
        partition_key=key,
        event_id=stable_event_id("command.requested", ctx.envelope.id),
    )
    log.info("command.requested", name="CreateLead", conversation_id=conversation_id)


# Typed text, and the titles of tapped buttons and list rows (the adapter puts them in
# ``text``): both are things the person said.
UNDERSTOOD_KINDS = frozenset({"text", "button_reply", "list_reply", "quick_reply"})


def _body(event: MessageReceived) -> str | None:
    """What the person wrote: the text, or a media message's caption."""
    if event.text is not None:
        return event.text
    return event.media.caption if event.media is not None else None


async def _understand(
    ctx: HandlerContext[ConversationDeps], text: str, today: date
) -> Enquiry | None:
    """Understanding is best effort: if it fails, the message is still recorded (and the
    failure logged) rather than the message parked."""
    catalogue = await active_catalogue(ctx.conn, ctx.tenant_id)
    try:
        return understand_enquiry(text, catalogue, today=today)
    except Exception:
        log.exception("understanding.failed")
        return None
