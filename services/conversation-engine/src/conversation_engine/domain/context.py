"""What the engine knows about one person (tenant + phone) across conversations.

Pure functions only. A conversation lives for the customer-service window; the context
outlives it: who the person is, the business object they are dealing with (a lead, a
booking, a trip...), and where the dialogue with them stands (a state and its data).

``data`` holds two kinds of things:
- facts the business told us, kept until replaced: ``quote``, ``booking``, ``lead``,
  ``waitlist_offer`` (seats offered to a booking of theirs on a waitlist, awaiting YES/NO)
  and, for field staff, ``offers`` (assignments awaiting ACCEPT/DECLINE). Each carries
  ``as_of``, the time of the event it came from, so an older event never overwrites a newer
  one.
- the dialogue's own scratch (``enquiry`` being collected): dropped when a conversation
  expires, so the next one starts fresh while keeping what is still known.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from conversation_engine.domain.conversations import CUSTOMER
from conversation_engine.domain.dialogue.states import (
    BOOKING,
    MENU,
    QUOTE_OFFERED,
    RESTING,
    STAFF,
    WAITLIST_OFFERED,
)

BINDABLE = frozenset({"LEAD", "BOOKING", "TRIP", "PAYMENT", "INCIDENT"})
FACTS = ("quote", "booking", "lead", "waitlist_offer", "offers")
# How many answered offers are remembered (so a late "offered" event cannot revive one).
ANSWERED_OFFERS_KEPT = 10


@dataclass(frozen=True)
class Bound:
    """The business object a person is dealing with now."""

    type: str
    id: str
    reference: str | None = None


@dataclass(frozen=True)
class Context:
    role: str = CUSTOMER
    name: str | None = None
    bound: Bound | None = None
    state: str = MENU
    data: Mapping[str, Any] = field(default_factory=dict)


def resting_state(role: str, data: Mapping[str, Any]) -> str:
    """Where a dialogue rests when nothing is being asked: seats offered from the waitlist
    wait for an answer (they are only held for a while), then an open quote; a booking
    makes "my booking" the topic; otherwise the main menu."""
    if role != CUSTOMER:
        return STAFF
    offer = data.get("waitlist_offer")
    if offer and offer.get("open"):
        return WAITLIST_OFFERED
    quote = data.get("quote")
    if quote and quote.get("open"):
        return QUOTE_OFFERED
    if data.get("booking"):
        return BOOKING
    return MENU


def resume_after_expiry(context: Context) -> Context:
    """The context a new conversation starts from: the facts, the binding and the name
    stay; a question left unanswered is dropped and the dialogue rests again."""
    facts = {key: value for key, value in context.data.items() if key in FACTS}
    return replace(context, data=facts, state=resting_state(context.role, facts))


def as_actor(context: Context, role: str, name: str | None) -> Context:
    """The context as this message's actor: the role the directory gives now (a staff
    member's phone may have become a customer's), and the freshest name known."""
    changed = replace(context, role=role, name=name or context.name)
    if role != context.role:
        changed = replace(changed, state=resting_state(role, changed.data))
    return changed


def _newer(previous: Mapping[str, Any] | None, as_of: datetime) -> bool:
    """Whether a fact as of ``as_of`` may replace ``previous`` (events can arrive late)."""
    if not previous or not previous.get("as_of"):
        return True
    return as_of >= datetime.fromisoformat(previous["as_of"])


def _with(context: Context, **data: Any) -> dict[str, Any]:
    return {**context.data, **data}


def quote_sent(context: Context, quote: Mapping[str, Any], as_of: datetime) -> Context:
    """A quote was sent: the person now deals with that lead, and their next answer is
    about the quote (YES holds the spots)."""
    if not _newer(context.data.get("quote"), as_of):
        return context
    data = {k: v for k, v in context.data.items() if k != "enquiry"}
    data["quote"] = {**quote, "open": True, "as_of": as_of.isoformat()}
    bound = Bound("LEAD", str(quote["lead_id"]), quote.get("reference"))
    return replace(context, bound=bound, data=data, state=QUOTE_OFFERED)


def quote_answered(context: Context) -> Context:
    """The person accepted the quote: it no longer waits for an answer."""
    quote = context.data.get("quote")
    if not quote:
        return context
    return replace(context, data=_with(context, quote={**quote, "open": False}))


def booking_changed(context: Context, booking: Mapping[str, Any], as_of: datetime) -> Context:
    """A booking of theirs moved: bind it. A quote for the same lead is settled by it.
    A dialogue in the middle of a question is not interrupted, only one at rest moves."""
    if not _newer(context.data.get("booking"), as_of):
        return context
    data = _with(context, booking={**booking, "as_of": as_of.isoformat()})
    quote = data.get("quote")
    if quote and booking.get("lead_id") and quote.get("lead_id") == booking.get("lead_id"):
        data["quote"] = {**quote, "open": False}
    state = resting_state(context.role, data) if context.state in RESTING else context.state
    bound = Bound("BOOKING", str(booking["booking_id"]), booking.get("reference"))
    return replace(context, bound=bound, data=data, state=state)


def lead_created(context: Context, lead: Mapping[str, Any], as_of: datetime) -> Context:
    """Their enquiry became a lead: bind it, unless they already deal with a booking."""
    if not _newer(context.data.get("lead"), as_of):
        return context
    data = _with(context, lead={**lead, "as_of": as_of.isoformat()})
    bound = context.bound
    if bound is None or bound.type != "BOOKING":
        bound = Bound("LEAD", str(lead["lead_id"]), lead.get("reference"))
    return replace(context, bound=bound, data=data)


def bound_by_command(context: Context, bound: Bound) -> Context:
    """A command the person asked made or found this object: it is what they deal with."""
    if bound.type not in BINDABLE:
        return context
    return replace(context, bound=bound)


def waitlist_offered(context: Context, offer: Mapping[str, Any], as_of: datetime) -> Context:
    """Seats freed up for their place on a waitlist: the offer's booking is what they deal
    with, and their next answer is about it (YES takes the seats), as the notifier asked."""
    same = _waitlist_offer(context, offer["entry_id"])
    if same is not None and not same.get("open"):
        return context  # answered or over before this (late) event arrived
    if not _newer(context.data.get("waitlist_offer"), as_of):
        return context
    data = {k: v for k, v in context.data.items() if k != "enquiry"}
    data["waitlist_offer"] = {**offer, "open": True, "as_of": as_of.isoformat()}
    bound = Bound("BOOKING", str(offer["booking_id"]), offer.get("reference"))
    return replace(context, bound=bound, data=data, state=resting_state(context.role, data))


def waitlist_offer_closed(
    context: Context, offer: Mapping[str, Any], as_of: datetime | None = None
) -> Context:
    """The offer was answered (here, by them: no ``as_of``) or is over (taken, declined,
    expired): it no longer waits for a YES. It is remembered closed, so a late ``offered``
    event cannot open it again; a newer offer of another place in line is left alone."""
    same = _waitlist_offer(context, offer["entry_id"])
    if same is None and as_of is not None and not _newer(context.data.get("waitlist_offer"), as_of):
        return context
    closed = {**(same or offer), "open": False}
    if as_of is not None:
        closed["as_of"] = as_of.isoformat()
    data = _with(context, waitlist_offer=closed)
    state = resting_state(context.role, data) if context.state in RESTING else context.state
    return replace(context, data=data, state=state)


def _waitlist_offer(context: Context, entry_id: str) -> Mapping[str, Any] | None:
    """The waitlist offer remembered, if it is the one of ``entry_id``."""
    known = context.data.get("waitlist_offer")
    return known if known and known.get("entry_id") == entry_id else None


def offer_made(context: Context, offer: Mapping[str, Any], as_of: datetime) -> Context:
    """Work offered to a staff member: a bare ACCEPT or DECLINE answers it."""
    offers = dict(context.data.get("offers") or {})
    known = offers.get(offer["assignment_id"])
    if known is not None and known.get("answered"):
        return context  # answered before this (late) offer event arrived
    offers[offer["assignment_id"]] = {**offer, "answered": False, "as_of": as_of.isoformat()}
    return replace(context, data=_with(context, offers=offers))


def offer_answered(context: Context, assignment_id: str, trip_reference: str) -> Context:
    offers = dict(context.data.get("offers") or {})
    offers[assignment_id] = {
        **offers.get(assignment_id, {}),
        "assignment_id": assignment_id,
        "trip_reference": trip_reference,
        "answered": True,
    }
    answered = [key for key, offer in offers.items() if offer.get("answered")]
    for key in answered[:-ANSWERED_OFFERS_KEPT]:
        del offers[key]
    return replace(context, data=_with(context, offers=offers))


def pending_offers(context: Context) -> list[Mapping[str, Any]]:
    """Offers still awaiting an answer, oldest first."""
    offers = (context.data.get("offers") or {}).values()
    return sorted((o for o in offers if not o.get("answered")), key=lambda o: o.get("as_of", ""))
