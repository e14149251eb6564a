"""The pure parts: reading a command's arguments, the core's refusals told politely, and
who a broadcast reaches."""

from __future__ import annotations

from typing import Any

import pytest
from orchestrator.domain.broadcast import broadcast_recipients
from orchestrator.domain.commands import (
    INVALID_ARGUMENTS,
    AssignStaffArgs,
    ReportIncidentArgs,
    SendQuoteArgs,
    TripArgs,
    parse_args,
    trip_key,
)
from orchestrator.domain.core_refusals import core_refusal
from orchestrator.domain.permissions import Refused


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("EBC-251005", "EBC-251005"),
        ("ebc251005", "EBC-251005"),
        ("ebc 251005", "EBC-251005"),
        ("PKR_261120", "PKR-261120"),
        ("ABC1-251005", "ABC1-251005"),
        ("5D1C6F0E-8A2B-4C3D-9E4F-5A6B7C8D9E0F", "5d1c6f0e-8a2b-4c3d-9e4f-5a6b7c8d9e0f"),
        ("EBC-2501234", "EBC-2501234"),  # not a trip reference: left for the core to refuse
    ],
)
def test_trip_references_are_read_as_the_core_knows_them(typed: str, key: str) -> None:
    assert trip_key(typed) == key


def test_arguments_are_read_tolerantly_but_checked() -> None:
    args = parse_args(
        ReportIncidentArgs,
        {"trip_ref": "ebc251005", "text": " Ankle ", "severity": "high", "language": "en"},
    )
    assert (args.trip_ref, args.text, args.severity) == ("EBC-251005", "Ankle", "HIGH")
    assert parse_args(ReportIncidentArgs, {"trip_ref": "EBC-251005", "text": "x"}).severity == (
        "MEDIUM"
    )


@pytest.mark.parametrize(
    ("model", "args", "named"),
    [
        (TripArgs, {}, "trip_ref"),
        (TripArgs, {"trip_ref": "../admin"}, "trip_ref"),
        (TripArgs, {"trip_ref": "EBC-251005/../../x"}, "trip_ref"),
        (SendQuoteArgs, {"lead_id": "l", "departure_id": "d", "pax": 0}, "pax"),
        (SendQuoteArgs, {"lead_id": "l", "departure_id": "d", "discount_percent": 101}, "discount"),
        (
            AssignStaffArgs,
            {"staff_id": "s", "role": "GUIDE", "compensation_amount": "1"},
            "arguments",
        ),
        (
            AssignStaffArgs,
            {"trip": "t", "departure_id": "d", "staff_id": "s", "role": "GUIDE"},
            "compensation_amount",
        ),
    ],
)
def test_unreadable_arguments_are_a_polite_refusal(
    model: Any, args: dict[str, Any], named: str
) -> None:
    with pytest.raises(Refused) as refused:
        parse_args(model, args)
    refusal = refused.value.refusal
    assert (refusal.code, refusal.status) == (INVALID_ARGUMENTS, 422)
    assert refusal.reason.startswith("Sorry, I couldn't read that request (")
    assert named in refusal.reason


def test_core_refusals_are_told_politely_and_keep_their_code() -> None:
    known = core_refusal(409, "TRIP_INVALID_TRANSITION", "cannot CHECK_IN a trip in state X")
    assert (known.code, known.status) == ("TRIP_INVALID_TRANSITION", 409)
    assert known.reason == "Sorry, the trip isn't at a stage where that can be done."
    unknown = core_refusal(409, "SOMETHING_NEW", "the thing is not possible.")
    assert unknown.reason == "Sorry, that couldn't be done: the thing is not possible."
    # A request the core could not read is the caller's unprocessable input.
    assert core_refusal(400, "INVALID_REQUEST", "bad").status == 422
    assert core_refusal(404, "LEAD_NOT_FOUND", "no such lead").status == 404


def booking(ref: str, state: str, phone: str, name: str | None = "A") -> dict[str, Any]:
    return {"reference": ref, "state": state, "customer_phone": phone, "customer_name": name}


def test_a_broadcast_reaches_everyone_holding_seats_once() -> None:
    recipients = broadcast_recipients(
        [
            booking("EBC-2500001", "CONFIRMED", "+1"),
            booking("EBC-2500002", "WAITLISTED", "+2"),
            booking("EBC-2500003", "HELD", "+3", None),
            booking("EBC-2500004", "PAYMENT_PENDING", "+4"),
            booking("EBC-2500005", "ACTIVE", "+5"),
            booking("EBC-2500006", "CANCELLED", "+6"),
            booking("EBC-2500007", "COMPLETED", "+7"),
            booking("EBC-2500008", "CONFIRMED", "+1"),  # a second booking of the same phone
        ]
    )
    assert [(r.phone, r.booking_reference, r.name) for r in recipients] == [
        ("+1", "EBC-2500001", "A"),
        ("+3", "EBC-2500003", None),
        ("+4", "EBC-2500004", "A"),
        ("+5", "EBC-2500005", "A"),
    ]
