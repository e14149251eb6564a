"""Command results: a conversation that made something is bound to it."""

from __future__ import annotations

from waops_contracts import conversation_key
from waops_contracts.events import CommandRejected, CommandSucceeded, ConversationBound
from waops_messaging import HandlerContext
from waops_observability import get_logger

from conversation_engine.adapters import conversations as store
from conversation_engine.domain.conversations import conversation_subject

log = get_logger(__name__)


async def on_command_succeeded(event: CommandSucceeded, ctx: HandlerContext[object]) -> None:
    if event.object is None or not event.conversation_id or event.object.type == "CONVERSATION":
        return
    conversation_id = store.parse_id(event.conversation_id)
    if conversation_id is None:
        log.warning("command.unknown_conversation", conversation_id=event.conversation_id)
        return
    changed = await store.bind(
        ctx.conn,
        ctx.tenant_id,
        conversation_id,
        object_type=event.object.type,
        object_id=event.object.id,
        reference=event.object.reference,
    )
    if changed is None:  # already bound to it, or not a conversation of this tenant
        return
    await ctx.publish(
        ConversationBound(conversation_id=str(conversation_id), object=event.object),
        subject=conversation_subject(str(conversation_id)),
        partition_key=conversation_key(changed["channel_id"], changed["phone"]),
    )
    log.info(
        "conversation.bound",
        conversation_id=str(conversation_id),
        object_type=event.object.type,
        object_id=event.object.id,
    )


async def on_command_rejected(event: CommandRejected, ctx: HandlerContext[object]) -> None:
    # Telling the actor why is the notifier's and later dialogue's job; nothing to bind.
    log.info(
        "command.rejected_seen",
        command_id=event.command_id,
        name=event.name,
        code=event.code,
        conversation_id=event.conversation_id,
    )
