"""The dialogue around one recorded message: the person's context in, one turn of the
state machine (``domain/dialogue``), the context out, and what the turn asked for published:
a command (CommandRequested) and/or a reply (ConversationReply).

Ids derive from the inbound event, so a redelivery can never ask or say anything twice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from waops_contracts import conversation_key, stable_event_id
from waops_contracts.events import (
    Actor,
    CommandRequested,
    ConversationReply,
    MessageReceived,
    ObjectRef,
)
from waops_messaging import HandlerContext
from waops_observability import get_logger

from conversation_engine.adapters.contexts import lock_context, save_context
from conversation_engine.adapters.read_models import active_catalogue
from conversation_engine.domain.context import Context, as_actor, resume_after_expiry
from conversation_engine.domain.conversations import (
    CUSTOMER,
    DirectoryEntry,
    as_utc,
    conversation_subject,
)
from conversation_engine.domain.dialogue.model import TEXT_KINDS, Outcome, Turn
from conversation_engine.domain.dialogue.respond import respond
from conversation_engine.domain.understanding.enquiry import Enquiry
from conversation_engine.domain.understanding.tours import TourEntry
from conversation_engine.handlers.deps import ConversationDeps

log = get_logger(__name__)

# Nothing a tour could be named in ("1", "?", "👍"): not worth asking understanding about.
_NO_WORDS = re.compile(r"^[\W\d_]*$")


@dataclass(frozen=True)
class Speaker:
    """Who wrote: their phone, their role now, and their directory entry if staff."""

    phone: str
    role: str
    entry: DirectoryEntry | None

    def actor(self, name: str | None) -> Actor:
        if self.role == CUSTOMER or self.entry is None:
            return Actor(phone=self.phone, role=CUSTOMER, name=name)
        return Actor(
            phone=self.phone,
            role=self.role,
            user_id=self.entry.user_id,
            name=self.entry.name,
        )


async def converse(
    event: MessageReceived,
    ctx: HandlerContext[ConversationDeps],
    speaker: Speaker,
    conversation_id: str,
    name: str | None,
    understood: Understood,
    *,
    resumed: bool,
) -> None:
    sealer, tenant = ctx.deps.sealer, ctx.tenant_id
    context = await lock_context(ctx.conn, sealer, tenant, speaker.phone)
    if resumed:
        context = resume_after_expiry(context)
    staff_name = speaker.entry.name if speaker.entry and speaker.role != CUSTOMER else None
    context = as_actor(context, speaker.role, staff_name or name)
    outcome = respond(_turn(event, context, understood, resumed=resumed))
    await save_context(
        ctx.conn,
        sealer,
        tenant,
        speaker.phone,
        outcome.context,
        at=as_utc(event.sent_at),
        channel_id=event.channel_id,
        conversation_id=conversation_id,
    )
    await _publish(event, ctx, outcome, speaker.actor(outcome.context.name), conversation_id)


@dataclass(frozen=True)
class Understood:
    """What understanding made of a customer's words, and the tours it knew."""

    enquiry: Enquiry | None = None
    tour_names: tuple[str, ...] = ()


async def understand(
    event: MessageReceived, ctx: HandlerContext[ConversationDeps], speaker: Speaker
) -> Understood:
    """Customers' words only (staff speak the command grammar). Called before any row is
    locked: an understander may take a while (an LLM), and nothing waits on it meanwhile."""
    if speaker.role != CUSTOMER or event.kind not in TEXT_KINDS or not event.supported:
        return Understood()
    catalogue = await active_catalogue(ctx.conn, ctx.tenant_id)
    tours = tuple(tour.name for tour in catalogue)
    text = event.text or ""
    if _NO_WORDS.match(text):
        return Understood(tour_names=tours)
    today = as_utc(event.sent_at).date()
    return Understood(await _understand(ctx.deps, text, catalogue, today), tours)


def _turn(
    event: MessageReceived, context: Context, understood: Understood, *, resumed: bool
) -> Turn:
    text = (event.text if event.kind in TEXT_KINDS else _caption(event)) or ""
    return Turn(
        text=text,
        kind=event.kind,
        context=context,
        today=as_utc(event.sent_at).date(),
        enquiry=understood.enquiry,
        tour_names=understood.tour_names,
        resumed=resumed,
        supported=event.supported,
    )


async def _understand(
    deps: ConversationDeps, text: str, catalogue: list[TourEntry], today: date
) -> Enquiry | None:
    """Understanding is best effort: if it fails, the dialogue goes on without it (and the
    failure is logged) rather than the message being parked."""
    try:
        return await deps.understander.enquiry(text, catalogue, today=today)
    except Exception:
        log.exception("understanding.failed", understander=deps.understander.name)
        return None


async def _publish(
    event: MessageReceived,
    ctx: HandlerContext[ConversationDeps],
    outcome: Outcome,
    actor: Actor,
    conversation_id: str,
) -> None:
    key = conversation_key(event.channel_id, actor.phone)
    subject = conversation_subject(conversation_id)
    if outcome.command is not None:
        ask = outcome.command
        await ctx.publish(
            CommandRequested(
                command_id=stable_event_id("command", ctx.envelope.id),
                name=ask.name,
                actor=actor,
                conversation_id=conversation_id,
                channel_id=event.channel_id,
                args=ask.args,
                source_text=ask.source_text or event.text,
            ),
            subject=subject,
            partition_key=key,
            event_id=stable_event_id("command.requested", ctx.envelope.id),
        )
        log.info("command.requested", name=ask.name, conversation_id=conversation_id)
    if outcome.reply is not None:
        bound = outcome.context.bound
        await ctx.publish(
            ConversationReply(
                conversation_id=conversation_id,
                channel_id=event.channel_id,
                to_phone=actor.phone,
                template=outcome.reply.template,
                variables=outcome.reply.variables,
                about=(
                    ObjectRef(type=bound.type, id=bound.id, reference=bound.reference)
                    if bound is not None
                    else None
                ),
                in_reply_to=event.provider_message_id,
            ),
            subject=subject,
            partition_key=key,
            event_id=stable_event_id("conversation.reply", ctx.envelope.id),
        )
        log.info("dialogue.replied", template=outcome.reply.template, state=outcome.context.state)


def _caption(event: MessageReceived) -> str | None:
    return event.media.caption if event.media is not None else None
