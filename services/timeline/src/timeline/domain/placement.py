"""Which business objects an event belongs on, and how it reads on their timelines.

An event lands on the object its CloudEvent subject names (``LEAD/<id>``) and on every other
business object its payload points at (``lead_id``, ``booking_id``, ``trip_id``...): an
incident is on its trip's timeline too, a payment on its booking's, a booking on the lead it
came from. How an entry reads comes from a table of summaries per event kind; a kind with no
summary reads as its name ("Trip started"), so new event types need no change here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Placement:
    object_type: str
    object_id: str
    summary: str


# Payload fields that point at a business object, and the object's type.
RELATED = {
    "lead_id": "LEAD",
    "booking_id": "BOOKING",
    "trip_id": "TRIP",
    "incident_id": "INCIDENT",
    "assignment_id": "ASSIGNMENT",
}


def _subject(subject: str | None) -> tuple[str, str] | None:
    """Producers name the object an event is about in the CloudEvent subject: ``LEAD/<id>``."""
    if not subject or "/" not in subject:
        return None
    kind, _, ident = subject.partition("/")
    return (kind.upper(), ident) if kind and ident else None


def _money(data: dict[str, Any], field: str) -> str:
    return f"{data.get('currency') or ''} {data.get(field)}".strip()


def _name(person: Any) -> str:
    return str(person.get("name")) if isinstance(person, dict) and person.get("name") else "?"


def _command_succeeded(d: dict[str, Any]) -> str:
    if d.get("name") == "CreateLead" and d.get("source_text"):
        return f"Enquiry received: {d['source_text']}"
    return f"{d.get('name')} by {_name(d.get('actor'))} succeeded"


def _lead_created(d: dict[str, Any]) -> str:
    summary = f"Lead {d.get('reference')} created ({d.get('state')})"
    rep = (d.get("assigned_to") or {}).get("name")
    return f"{summary}, assigned to {rep}" if rep else summary


def _trip(verb: str) -> Callable[[dict[str, Any]], str]:
    def summary(d: dict[str, Any]) -> str:
        by = f" by {_name(d['by'])}" if d.get("by") else ""
        note = f": {d['note']}" if d.get("note") else ""
        return f"Trip {d.get('reference')} {verb}{by}{note}"

    return summary


def _incident(verb: str) -> Callable[[dict[str, Any]], str]:
    def summary(d: dict[str, Any]) -> str:
        return (
            f"Incident {verb} ({d.get('severity')}, {d.get('state')})"
            f" by {_name(d.get('author'))}: {d.get('text')}"
        )

    return summary


def _booking(d: dict[str, Any]) -> str:
    return f"Booking {d.get('reference')} {d.get('state')} ({d.get('pax')} pax)"


def _assignment(verb: str) -> Callable[[dict[str, Any]], str]:
    def summary(d: dict[str, Any]) -> str:
        return f"{_name(d.get('staff'))} {verb} as {d.get('role')} on {d.get('trip_reference')}"

    return summary


SUMMARIES: dict[str, Callable[[dict[str, Any]], str]] = {
    "command.succeeded": _command_succeeded,
    "command.rejected": lambda d: (
        f"{d.get('name')} by {_name(d.get('actor'))} refused: {d.get('code')}"
    ),
    "lead.created": _lead_created,
    "lead.won": lambda d: f"Lead {d.get('reference')} won: booking {d.get('booking_reference')}",
    "lead.lost": lambda d: f"Lead {d.get('reference')} lost: {d.get('reason')}",
    "quote.sent": lambda d: (
        f"Quote sent: {_money(d, 'total')} for {d.get('pax')} pax,"
        f" valid until {d.get('valid_until')}"
    ),
    "booking.held": _booking,
    "booking.payment_pending": _booking,
    "booking.confirmed": _booking,
    "booking.activated": _booking,
    "booking.completed": _booking,
    "booking.cancelled": _booking,
    "booking.waitlisted": _booking,
    "payment.link_created": lambda d: (
        f"Payment link for the {str(d.get('kind')).lower()}: {_money(d, 'amount')}"
    ),
    "payment.received": lambda d: (
        f"Payment received: {_money(d, 'amount')}"
        f" (balance {_money(d, 'balance')}, {d.get('status')})"
    ),
    "payment.fully_paid": lambda d: f"Fully paid: {_money(d, 'paid_total')}",
    "payment.balance_due": lambda d: f"Balance {_money(d, 'balance')} due {d.get('due_date')}",
    "assignment.offered": _assignment("offered work"),
    "assignment.accepted": _assignment("accepted"),
    "assignment.declined": _assignment("declined"),
    "trip.staff_assigned": _trip("has its crew"),
    "trip.started": _trip("started"),
    "trip.in_progress": _trip("in progress"),
    "trip.update_posted": _trip("update"),
    "trip.ended": _trip("ended"),
    "trip.closed": _trip("closed"),
    "incident.reported": _incident("reported"),
    "incident.updated": _incident("updated"),
    "incident.resolved": _incident("resolved"),
    "payroll.entry_created": lambda d: (
        f"Payroll: {_name(d.get('staff'))} earned {_money(d, 'amount')}"
    ),
    "message.sent": lambda d: f"Message sent to {d.get('to_phone')} ({d.get('template')})",
}


def summarise(kind: str, data: dict[str, Any]) -> str:
    make = SUMMARIES.get(kind)
    if make is not None:
        try:
            return make(data)
        except (AttributeError, KeyError, TypeError):
            pass  # a payload of an unexpected shape still lands, under its kind's name
    return kind.replace(".", " ").replace("_", " ").capitalize()


def place(event_type: str, subject: str | None, data: dict[str, Any]) -> list[Placement]:
    """Every (object, summary) the event belongs to; empty for events that touch no object."""
    kind = event_type.removeprefix("waops.").rsplit(".", 1)[0]  # "lead.created"
    summary = summarise(kind, data)
    targets: list[tuple[str, str]] = []

    if kind == "command.succeeded" and isinstance(data.get("object"), dict):
        targets.append((data["object"]["type"], data["object"]["id"]))
    elif kind == "message.sent" and isinstance(data.get("about"), dict):
        targets.append((data["about"]["type"], data["about"]["id"]))
    subject_target = _subject(subject)
    if subject_target is not None:
        targets.append(subject_target)
    if not kind.startswith(("command.", "message.", "conversation.")):
        # Domain events also land on every object they point at.
        targets += [(t, str(data[f])) for f, t in RELATED.items() if data.get(f)]
    if data.get("conversation_id") and kind.startswith(("command.", "conversation.")):
        targets.append(("CONVERSATION", str(data["conversation_id"])))

    unique = dict.fromkeys(targets)  # first mention wins, order kept
    return [Placement(t, i, summary) for t, i in unique]
