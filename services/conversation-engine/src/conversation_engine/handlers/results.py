"""Command results: the conversation that asked, and its person's context, are bound to
what the command made or found."""

from __future__ import annotations

from waops_contracts import conversation_key, phone_key
from waops_contracts.events import CommandRejected, CommandSucceeded, ConversationBound
from waops_messaging import HandlerContext
from waops_observability import get_logger

from conversation_engine.adapters import conversations as store
from conversation_engine.adapters.contexts import lock_context, save_context
from conversation_engine.domain.context import Bound, bound_by_command
from conversation_engine.domain.conversations import conversation_subject
from conversation_engine.handlers.deps import ConversationDeps

log = get_logger(__name__)


async def on_command_succeeded(
    event: CommandSucceeded, ctx: HandlerContext[ConversationDeps]
) -> None:
    if event.object is None or not event.conversation_id or event.object.type == "CONVERSATION":
        return
    conversation_id = store.parse_id(event.conversation_id)
    if conversation_id is None:
        log.warning("command.unknown_conversation", conversation_id=event.conversation_id)
        return
    changed = await store.bind(
        ctx.conn,
        ctx.deps.sealer,
        ctx.tenant_id,
        conversation_id,
        object_type=event.object.type,
        object_id=event.object.id,
        reference=event.object.reference,
    )
    if changed is None:  # already bound to it, or not a conversation of this tenant
        return
    await _bind_context(event, ctx, changed.phone)
    await ctx.publish(
        ConversationBound(conversation_id=str(conversation_id), object=event.object),
        subject=conversation_subject(str(conversation_id)),
        partition_key=conversation_key(changed.channel_id, changed.phone),
    )
    log.info(
        "conversation.bound",
        conversation_id=str(conversation_id),
        object_type=event.object.type,
        object_id=event.object.id,
    )


async def _bind_context(
    event: CommandSucceeded, ctx: HandlerContext[ConversationDeps], phone: str
) -> None:
    assert event.object is not None
    phone = phone_key(phone)
    sealer = ctx.deps.sealer
    context = await lock_context(ctx.conn, sealer, ctx.tenant_id, phone)
    bound = Bound(event.object.type, event.object.id, event.object.reference)
    changed = bound_by_command(context, bound)
    if changed != context:
        await save_context(ctx.conn, sealer, ctx.tenant_id, phone, changed, at=ctx.envelope.time)


async def on_command_rejected(event: CommandRejected, ctx: HandlerContext[object]) -> None:
    # The notifier tells the actor why (the reason is written to be sent); nothing to bind.
    log.info(
        "command.rejected_seen",
        command_id=event.command_id,
        name=event.name,
        code=event.code,
        conversation_id=event.conversation_id,
    )
