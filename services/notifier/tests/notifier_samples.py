"""Events for the notifier's tests (not a test module): the contracts' own examples, and the
variants that pick other templates (each cancel reason, a full or late payment, each command
a conversation can ask)."""

from __future__ import annotations

from typing import Any

from waops_contracts import Event
from waops_contracts.events import CommandSucceeded
from waops_contracts.registry import EVENT_TYPES, EXAMPLES

CUSTOMER = "+9779841234567"
REP = "+9779800000001"
GUIDE = "+9779800000004"
OPS = "+9779800000003"


def example(event_type: str, **changes: Any) -> Event:
    """The contract's example payload of ``event_type``, with ``changes``."""
    return EVENT_TYPES[event_type].model_validate({**EXAMPLES[event_type], **changes})


# What the orchestrator puts in ``result`` for each command a conversation can ask (the
# contract of issue #5).
RESULTS: dict[str, dict[str, Any]] = {
    "AcceptQuote": {
        "lead_reference": "EBC2501234",
        "tour_name": "Everest Base Camp Trek",
        "pax": 3,
        "rep_name": "Sita Sharma",
        "rep_phone": REP,
    },
    "JoinWaitlist": {
        "booking_reference": "EBC-2501299",
        "position": 2,
        "tour_name": "Everest Base Camp Trek",
        "start_date": "2025-10-05",
    },
    "CheckBookingStatus": {
        "reference": "EBC-2501234",
        "state": "CONFIRMED",
        "tour_name": "Everest Base Camp Trek",
        "start_date": "2025-10-05",
        "pax": 3,
        "total": "4350.00",
        "paid": "1305.00",
        "balance": "3045.00",
        "currency": "USD",
        "due_date": "2025-09-05",
    },
    "CheckTripStatus": {
        "reference": "EBC-251005",
        "state": "IN_PROGRESS",
        "tour_name": "Everest Base Camp Trek",
        "start_date": "2025-10-05",
        "end_date": "2025-10-18",
        "open_incidents": 1,
    },
    "AcceptAssignment": {
        "trip_reference": "EBC-251005",
        "tour_name": "Everest Base Camp Trek",
        "start_date": "2025-10-05",
        "role": "LEAD_GUIDE",
    },
    "DeclineAssignment": {
        "trip_reference": "EBC-251005",
        "tour_name": "Everest Base Camp Trek",
        "start_date": "2025-10-05",
        "role": "PORTER",
    },
    "CheckIn": {
        "trip_reference": "EBC-251005",
        "tour_name": "Everest Base Camp Trek",
        "travellers": 5,
    },
    "CheckOut": {"trip_reference": "EBC-251005", "tour_name": "Everest Base Camp Trek"},
    "PostTripUpdate": {"trip_reference": "EBC-251005", "state": "IN_PROGRESS"},
    "ReportIncident": {
        "incident_id": "inc-1",
        "trip_reference": "EBC-251005",
        "severity": "HIGH",
    },
    "ResolveIncident": {"incident_id": "inc-1", "trip_reference": "EBC-251005"},
    "RequestHandoff": {
        "reference": "EBC-2501234",
        "tour_name": "Everest Base Camp Trek",
        "text": "Can someone call me about the permits?",
        "rep_name": "Sita Sharma",
        "rep_phone": REP,
    },
}
# Seats offered from the waitlist, taken or let go (a customer answering is told by the
# booking's event instead: no done. reply).
OFFER_ANSWERS: dict[str, dict[str, Any]] = {
    "ConfirmWaitlistOffer": {
        "booking_reference": "EBC-2501277",
        "entry_id": "e-1",
        "tour_name": "Everest Base Camp Trek",
        "start_date": "2025-10-05",
        "pax": 2,
        "state": "HELD",
        "hold_expires_at": "2025-01-12T09:30:00+00:00",
    },
    "DeclineWaitlistOffer": {
        "booking_reference": "EBC-2501277",
        "entry_id": "e-1",
        "tour_name": "Everest Base Camp Trek",
        "start_date": "2025-10-05",
        "pax": 2,
        "state": "CANCELLED",
    },
}
MAYA = {"phone": OPS, "role": "OPERATIONS", "user_id": "u-3", "name": "Maya"}
_OBJECTS = {
    "AcceptQuote": {"type": "LEAD", "id": "lead-1", "reference": "EBC2501234"},
    "JoinWaitlist": {"type": "BOOKING", "id": "b-9", "reference": "EBC-2501299"},
    "CheckBookingStatus": {"type": "BOOKING", "id": "b-1", "reference": "EBC-2501234"},
    "RequestHandoff": {"type": "BOOKING", "id": "b-1", "reference": "EBC-2501234"},
    "ConfirmWaitlistOffer": {"type": "BOOKING", "id": "b-7", "reference": "EBC-2501277"},
    "DeclineWaitlistOffer": {"type": "BOOKING", "id": "b-7", "reference": "EBC-2501277"},
    "ReportIncident": {"type": "INCIDENT", "id": "inc-1", "reference": "EBC-251005"},
    "ResolveIncident": {"type": "INCIDENT", "id": "inc-1", "reference": "EBC-251005"},
}
_STAFF_COMMANDS = {
    "CheckTripStatus",
    "AcceptAssignment",
    "DeclineAssignment",
    "CheckIn",
    "CheckOut",
    "PostTripUpdate",
    "ReportIncident",
    "ResolveIncident",
}


def done(name: str, result: dict[str, Any] | None = None, **changes: Any) -> CommandSucceeded:
    """``command.succeeded`` of ``name`` asked from a conversation."""
    staff = name in _STAFF_COMMANDS
    actor = (
        {"phone": GUIDE, "role": "FIELD_STAFF", "user_id": "u-4", "name": "Pemba"}
        if staff
        else {"phone": CUSTOMER, "role": "CUSTOMER", "name": "Asha"}
    )
    obj = _OBJECTS.get(name, {"type": "TRIP", "id": "trip-1", "reference": "EBC-251005"})
    return CommandSucceeded.model_validate(
        {
            "command_id": f"cmd-{name}",
            "name": name,
            "actor": actor,
            "conversation_id": "conv-1",
            "channel_id": "109876543210",
            "object": obj,
            "result": {**RESULTS, **OFFER_ANSWERS}.get(name, {}) if result is None else result,
            **changes,
        }
    )


def every_case() -> list[tuple[str, Event]]:
    """(case, event) for every template the notifier can send: the examples of every type it
    consumes, and the variants that pick the other templates."""
    from notifier.domain.notifications import NOTIFICATIONS

    cases = [(cls.event_type, example(cls.event_type)) for cls in NOTIFICATIONS]
    cases += [(f"done.{name}", done(name)) for name in RESULTS]
    cases += [
        ("done of a command with no reply text", done("CloseDeparture", {})),
        (
            "JoinWaitlist asked by staff, seats were free",
            done("JoinWaitlist", {**RESULTS["JoinWaitlist"], "state": "HELD"}, actor=MAYA),
        ),
        *((f"{name} asked by staff", done(name, actor=MAYA)) for name in OFFER_ANSWERS),
        (
            "RequestHandoff, no rep",
            done("RequestHandoff", {"reference": None, "rep_name": None, "text": None}),
        ),
        (
            "AcceptQuote, rep by id",
            done(
                "AcceptQuote", {**RESULTS["AcceptQuote"], "rep_phone": None, "rep_user_id": "u-1"}
            ),
        ),
        *(
            (
                f"booking cancelled {reason}",
                example("waops.booking.cancelled.v1", cancel_reason=reason),
            )
            for reason in ("REQUESTED", "OFFER_EXPIRED", "OFFER_DECLINED")
        ),
        (
            "payment completes the booking",
            example(
                "waops.payment.received.v1",
                status="FULL_PAID",
                paid_total="4350.00",
                balance="0.00",
                due_date=None,
            ),
        ),
        (
            "payment for a cancelled booking",
            example("waops.payment.received.v1", booking_state="CANCELLED"),
        ),
    ]
    return cases
