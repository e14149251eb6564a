"""Events about a person keep their context current: a quote sent to them, their lead and
bookings, seats offered to them from a waitlist, work offered to a staff member. Each finds
the context by tenant + phone (one is made if the person never wrote yet) and applies a pure
change (``domain/context.py``).

No reply is sent from here: the notifier tells people about these events.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from waops_contracts import phone_key
from waops_contracts.events import AssignmentOffered, LeadCreated, QuoteSent
from waops_contracts.events.bookings import BookingEvent
from waops_contracts.events.inventory import WaitlistEvent, WaitlistOffered
from waops_contracts.events.trips import AssignmentEvent
from waops_messaging import HandlerContext

from conversation_engine.adapters.contexts import lock_context, save_context
from conversation_engine.domain import context as contexts
from conversation_engine.domain.context import Context
from conversation_engine.handlers.deps import ConversationDeps

Change = Callable[[Context], Context]


async def on_quote_sent(event: QuoteSent, ctx: HandlerContext[ConversationDeps]) -> None:
    quote = event.model_dump(
        include={
            "quote_id", "lead_id", "reference", "tour_code", "tour_name", "departure_id",
            "departure_start", "departure_end", "pax", "total", "currency", "valid_until",
        }
    )  # fmt: skip
    quote["rep_name"] = event.sales_rep.name if event.sales_rep else None
    as_of = ctx.envelope.time
    await _change(ctx, event.customer_phone, lambda c: contexts.quote_sent(c, quote, as_of),
                  name=event.customer_name)  # fmt: skip


async def on_booking_changed(event: BookingEvent, ctx: HandlerContext[ConversationDeps]) -> None:
    booking = event.model_dump(
        include={
            "booking_id", "reference", "state", "lead_id", "departure_id", "tour_code",
            "tour_name", "start_date", "pax",
        }
    )  # fmt: skip
    as_of = ctx.envelope.time
    await _change(ctx, event.customer_phone, lambda c: contexts.booking_changed(c, booking, as_of),
                  name=event.customer_name)  # fmt: skip


async def on_lead_created(event: LeadCreated, ctx: HandlerContext[ConversationDeps]) -> None:
    lead = event.model_dump(
        include={"lead_id", "reference", "tour_code", "tour_name", "pax", "travel_month"}
    )
    lead["rep_name"] = event.assigned_to.name if event.assigned_to else None
    as_of = ctx.envelope.time
    await _change(ctx, event.customer_phone, lambda c: contexts.lead_created(c, lead, as_of),
                  name=event.customer_name)  # fmt: skip


_OFFER_FACTS = {
    "entry_id", "booking_id", "reference", "tour_code", "tour_name", "departure_id",
    "start_date", "pax", "offer_expires_at",
}  # fmt: skip


async def on_waitlist_offered(
    event: WaitlistOffered, ctx: HandlerContext[ConversationDeps]
) -> None:
    offer = event.model_dump(include=_OFFER_FACTS)
    as_of = ctx.envelope.time
    await _change(
        ctx,
        event.customer_phone,
        lambda c: contexts.waitlist_offered(c, offer, as_of),
        name=event.customer_name,
    )


async def on_waitlist_offer_over(
    event: WaitlistEvent, ctx: HandlerContext[ConversationDeps]
) -> None:
    """Taken, declined or expired: the offer no longer waits for a YES or NO."""
    offer = event.model_dump(include=_OFFER_FACTS)
    as_of = ctx.envelope.time
    await _change(
        ctx, event.customer_phone, lambda c: contexts.waitlist_offer_closed(c, offer, as_of)
    )


async def on_assignment_offered(
    event: AssignmentOffered, ctx: HandlerContext[ConversationDeps]
) -> None:
    offer = event.model_dump(
        include={"assignment_id", "trip_reference", "tour_name", "start_date", "role"}
    )
    as_of = ctx.envelope.time
    await _change(ctx, event.staff.phone, lambda c: contexts.offer_made(c, offer, as_of))


async def on_assignment_answered(
    event: AssignmentEvent, ctx: HandlerContext[ConversationDeps]
) -> None:
    """Accepted or declined: the offer no longer waits for a bare ACCEPT or DECLINE."""
    await _change(
        ctx,
        event.staff.phone,
        lambda c: contexts.offer_answered(c, event.assignment_id, event.trip_reference),
    )


async def _change(
    ctx: HandlerContext[ConversationDeps], phone: str, change: Change, *, name: Any = None
) -> None:
    phone = phone_key(phone)
    sealer = ctx.deps.sealer
    context = await lock_context(ctx.conn, sealer, ctx.tenant_id, phone)
    changed = change(context)
    if name and not changed.name:
        changed = replace(changed, name=name)
    if changed != context:
        await save_context(ctx.conn, sealer, ctx.tenant_id, phone, changed, at=ctx.envelope.time)
