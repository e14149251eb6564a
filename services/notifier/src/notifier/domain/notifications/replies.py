"""Replies to whoever asked: one per command asked from a conversation, and the dialogue's
own answers.

The reply rule: the actor of a command asked from a conversation gets exactly one reply,
``done.<CommandName>`` from ``command.succeeded`` (rendered from the command's ``result``)
or ``command_refused`` from ``command.rejected``. A command with no conversation (the web
API) gets no WhatsApp reply, and CreateLead none either: ``lead.created`` acknowledges the
customer. Everyone else hears of it through the domain events.

A customer answering seats offered from the waitlist gets no ``done.`` reply either: the
core's event is their one reply and says more (``booking.held``: until when, the total and
the deposit; ``booking.cancelled`` for an offer declined). Staff answering for them get
``done.ConfirmWaitlistOffer`` / ``done.DeclineWaitlistOffer``. A customer asking for a
person (``RequestHandoff``) changes nothing in the core, so no event tells anyone: its
``command.succeeded`` also tells the lead's sales rep, or every sales person when the
customer has none.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from waops_contracts.events import CommandRejected, CommandSucceeded, ConversationReply

from notifier.domain import formatting as fmt
from notifier.domain.formatting import Style
from notifier.domain.notices import SALES, Notice, Office, Person, Recipient, StaffMember, uses

REFUSED = uses("command_refused")
DONE_OTHER = uses("done.default")  # a command with a conversation but no reply text of its own
QUOTE_ACCEPTED = uses("quote.accepted")  # the sales rep, when their customer says YES
HANDOFF = uses("handoff.requested")  # the sales rep (or team), when a customer asks for a person
ACKNOWLEDGED_BY_EVENT = frozenset({"CreateLead"})
TOLD_BY_EVENT_WHEN_CUSTOMER = frozenset({"ConfirmWaitlistOffer", "DeclineWaitlistOffer"})

Result = Mapping[str, Any]


def _given(result: Result, *keys: str) -> dict[str, Any]:
    return {key: result.get(key, "") for key in keys}


def _accept_quote(r: Result, _: Style) -> dict[str, Any]:
    return {
        **_given(r, "lead_reference", "tour_name", "rep_name"),
        "no_rep_name": not r.get("rep_name"),
        "party": fmt.people(r.get("pax")),
    }


def _join_waitlist(r: Result, _: Style) -> dict[str, Any]:
    return {
        **_given(r, "booking_reference", "position", "tour_name"),
        "start_date": fmt.day(r.get("start_date")),
    }


def _waitlist_offer(r: Result, style: Style) -> dict[str, Any]:
    return {
        **_given(r, "booking_reference", "tour_name"),
        "start_date": fmt.day(r.get("start_date")),
        "hold_expires": fmt.moment(r.get("hold_expires_at"), style.timezone),
    }


def _handoff(r: Result, _: Style) -> dict[str, Any]:
    return {
        **_given(r, "reference", "tour_name", "rep_name"),
        "no_rep_name": not r.get("rep_name"),
        "text": str(r.get("text") or "").strip(),
    }


def _booking_status(r: Result, _: Style) -> dict[str, Any]:
    currency = r.get("currency")
    balance = fmt.amount(r.get("balance"))
    return {
        **_given(r, "reference", "tour_name", "pax"),
        "state": fmt.label(r.get("state")),
        "start_date": fmt.day(r.get("start_date")),
        "total": fmt.money(r.get("total"), currency),
        "paid": fmt.money(r.get("paid"), currency),
        "balance": fmt.money(balance, currency) if balance else "",
        "due_date": fmt.day(r.get("due_date")) if balance else "",
        "fully_paid": balance is not None and balance <= 0,
    }


def _trip_status(r: Result, _: Style) -> dict[str, Any]:
    return {
        **_given(r, "reference", "tour_name"),
        "state": fmt.label(r.get("state")),
        "dates": fmt.dates(r.get("start_date"), r.get("end_date")),
        "open_incidents": r.get("open_incidents", 0) or 0,
    }


def _assignment(r: Result, _: Style) -> dict[str, Any]:
    return {
        **_given(r, "trip_reference", "tour_name"),
        "start_date": fmt.day(r.get("start_date")),
        "role": fmt.label(r.get("role")),
    }


def _trip(*keys: str) -> Callable[[Result, Style], dict[str, Any]]:
    def variables(r: Result, _: Style) -> dict[str, Any]:
        return _given(r, "trip_reference", *keys)

    return variables


def _post_update(r: Result, _: Style) -> dict[str, Any]:
    return {**_given(r, "trip_reference"), "state": fmt.label(r.get("state"))}


def _report_incident(r: Result, style: Style) -> dict[str, Any]:
    return {
        **_given(r, "trip_reference", "incident_id"),
        "severity": str(r.get("severity", "")).upper(),
        "support_line": style.support_line,
    }


# Each command a conversation can ask, and how its ``result`` reads in its reply.
DONE: dict[str, Callable[[Result, Style], dict[str, Any]]] = {
    "AcceptQuote": _accept_quote,
    "JoinWaitlist": _join_waitlist,
    "ConfirmWaitlistOffer": _waitlist_offer,
    "DeclineWaitlistOffer": _waitlist_offer,
    "RequestHandoff": _handoff,
    "CheckBookingStatus": _booking_status,
    "CheckTripStatus": _trip_status,
    "AcceptAssignment": _assignment,
    "DeclineAssignment": _assignment,
    "CheckIn": _trip("tour_name", "travellers"),
    "CheckOut": _trip("tour_name"),
    "PostTripUpdate": _post_update,
    "ReportIncident": _report_incident,
    "ResolveIncident": _trip("incident_id"),
}
DONE_TEMPLATES = {name: uses(f"done.{name}") for name in DONE}
WAITLIST_HELD = uses("done.JoinWaitlist.held")  # staff asked for a customer: seats were free


def done_variables(done: CommandSucceeded, style: Style) -> dict[str, Any]:
    variables = DONE.get(done.name)
    specific = variables(done.result, style) if variables else {}
    obj = done.object
    return {
        "actor_name": done.actor.name or "",
        "no_actor_name": not done.actor.name,
        "command": done.name,
        "object_reference": (obj.reference or "") if obj else "",
        **specific,
    }


def _seats_held_instead(done: CommandSucceeded) -> bool:
    """JoinWaitlist found seats free after all: the core held them (booking.held)."""
    return done.name == "JoinWaitlist" and done.result.get("state") == "HELD"


def command_succeeded(done: CommandSucceeded, style: Style) -> list[Notice]:
    """The actor's one reply; an accepted quote also goes to the lead's sales rep, and a
    request for a person to the rep or, with none, the sales team."""
    if done.conversation_id is None or done.name in ACKNOWLEDGED_BY_EVENT:
        return []
    customer_actor = done.actor.role == "CUSTOMER"
    if customer_actor and done.name in TOLD_BY_EVENT_WHEN_CUSTOMER:
        return []  # booking.held or booking.cancelled is their reply
    variables = done_variables(done, style)
    template = DONE_TEMPLATES.get(done.name, DONE_OTHER)
    if _seats_held_instead(done):
        if customer_actor:
            return []  # booking.held tells them, with the expiry, total and deposit
        template = WAITLIST_HELD
    notices = [Notice(Person(done.actor.phone, done.actor.name), template, variables, done.object)]
    told = {**variables, "customer": fmt.contact(done.actor.name, done.actor.phone)}
    rep = _sales_rep(done.result)
    if done.name == "AcceptQuote" and rep is not None:
        notices.append(Notice(rep, QUOTE_ACCEPTED, told, done.object))
    if done.name == "RequestHandoff":
        notices.append(Notice(rep or Office(SALES), HANDOFF, told, done.object))
    return notices


def _sales_rep(result: Result) -> Recipient | None:
    """The lead's rep: by phone when the result gives it, else by directory id."""
    if result.get("rep_phone"):
        return Person(str(result["rep_phone"]), result.get("rep_name") or None)
    if result.get("rep_user_id"):
        return StaffMember(str(result["rep_user_id"]))
    return None


def command_rejected(refusal: CommandRejected, _: Style) -> list[Notice]:
    """A refused command is answered politely to whoever asked from a conversation."""
    if refusal.conversation_id is None:
        return []
    return [
        Notice(Person(refusal.actor.phone, refusal.actor.name), REFUSED, refusal_variables(refusal))
    ]


def refusal_variables(refusal: CommandRejected) -> dict[str, Any]:
    """The orchestrator's reasons are sentences fit to send ("Sorry, your quote has
    expired; ..."); a bare fragment ("customers may not assign staff") gets a lead-in."""
    reason = refusal.reason.strip()
    sentence = reason[:1].isupper()
    return {
        "reason": reason if sentence else "",
        "fragment": "" if sentence else reason.rstrip("."),
        "command": refusal.name,
    }


def conversation_reply(reply: ConversationReply, _: Style) -> list[Notice]:
    """The dialogue's answer, in the template and language the conversation engine chose
    (an unknown template is refused by the handler, not guessed)."""
    return [
        Notice(
            Person(reply.to_phone),
            reply.template,
            dict(reply.variables),
            reply.about,
            language=reply.language,
        )
    ]
