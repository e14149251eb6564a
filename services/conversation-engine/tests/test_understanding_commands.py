"""The field staff's command grammar: exact results, and the problem of each malformed one."""

from __future__ import annotations

from typing import Any

import pytest
from conversation_engine.domain.understanding import StaffCommand, parse_staff_command
from hypothesis import given
from hypothesis import strategies as st

TRIP = "EBC-251005"


@pytest.mark.parametrize(
    ("text", "keyword", "name", "args"),
    [
        ("ACCEPT", "ACCEPT", "AcceptAssignment", {}),
        ("accept", "ACCEPT", "AcceptAssignment", {}),
        ("Accept EBC-251005", "ACCEPT", "AcceptAssignment", {"trip_ref": TRIP}),
        ("accepted ebc251005 thanks", "ACCEPT", "AcceptAssignment", {"trip_ref": TRIP}),
        ("DECLINE", "DECLINE", "DeclineAssignment", {}),
        ("decline EBC-251005", "DECLINE", "DeclineAssignment", {"trip_ref": TRIP}),
        (
            "DECLINE EBC 251005 family wedding that week",
            "DECLINE",
            "DeclineAssignment",
            {"trip_ref": TRIP, "reason": "family wedding that week"},
        ),
        (
            "decline: I'm sick",
            "DECLINE",
            "DeclineAssignment",
            {"reason": "I'm sick"},
        ),
        ("CHECKIN EBC-251005", "CHECKIN", "CheckIn", {"trip_ref": TRIP}),
        ("check-in EBC-251005", "CHECKIN", "CheckIn", {"trip_ref": TRIP}),
        ("Check in EBC-251005!", "CHECKIN", "CheckIn", {"trip_ref": TRIP}),
        ("checkin: ebc 251005", "CHECKIN", "CheckIn", {"trip_ref": TRIP}),
        ("  *CHECK_IN*  ebc251005  ", "CHECKIN", "CheckIn", {"trip_ref": TRIP}),
        (
            "CHECKIN EBC-251005 all 12 travellers at the hotel",
            "CHECKIN",
            "CheckIn",
            {"trip_ref": TRIP, "note": "all 12 travellers at the hotel"},
        ),
        (
            "checkout EBC-251005 - back in Kathmandu",
            "CHECKOUT",
            "CheckOut",
            {"trip_ref": TRIP, "note": "back in Kathmandu"},
        ),
        ("Check out ebc-251005", "CHECKOUT", "CheckOut", {"trip_ref": TRIP}),
        (
            "issue EBC251005 - Ram twisted his ankle",
            "ISSUE",
            "ReportIncident",
            {"trip_ref": TRIP, "text": "Ram twisted his ankle", "severity": "HIGH"},
        ),
        (
            "ISSUE EBC-251005: guest unconscious, need evacuation",
            "ISSUE",
            "ReportIncident",
            {
                "trip_ref": TRIP,
                "text": "guest unconscious, need evacuation",
                "severity": "CRITICAL",
            },
        ),
        (
            "Issue: jeep delayed by 2 hours EBC-251005",  # the reference after the text
            "ISSUE",
            "ReportIncident",
            {"trip_ref": TRIP, "text": "jeep delayed by 2 hours", "severity": "MEDIUM"},
        ),
        (
            "UPDATE EBC-251005 Reached Namche, all well.",
            "UPDATE",
            "PostTripUpdate",
            {"trip_ref": TRIP, "text": "Reached Namche, all well."},
        ),
        ("RESOLVED EBC-251005", "RESOLVED", "ResolveIncident", {"trip_ref": TRIP}),
        (
            "resolve ebc 251005 ankle strapped, walking",
            "RESOLVED",
            "ResolveIncident",
            {"trip_ref": TRIP, "text": "ankle strapped, walking"},
        ),
        (
            "STATUS EBC-2501234",
            "STATUS",
            "CheckBookingStatus",
            {"reference": "EBC-2501234"},
        ),
        ("status ebc2501234?", "STATUS", "CheckBookingStatus", {"reference": "EBC-2501234"}),
        ("STATUS EBC-251005", "STATUS", "CheckTripStatus", {"trip_ref": TRIP}),
        (
            "status of trip ANC 250312 and booking EBC-2501234",  # the first said
            "STATUS",
            "CheckTripStatus",
            {"trip_ref": "ANC-250312"},
        ),
        ("HELP", "HELP", None, {}),
        ("help!", "HELP", None, {}),
    ],
)
def test_commands(text: str, keyword: str, name: str | None, args: dict[str, Any]) -> None:
    assert parse_staff_command(text) == StaffCommand(keyword, name, args, None)


@pytest.mark.parametrize(
    ("text", "keyword", "problem"),
    [
        (
            "CHECKIN",
            "CHECKIN",
            "CHECKIN needs the trip reference (tour code and start date), e.g. CHECKIN EBC-251005",
        ),
        (
            "check in at the hotel",
            "CHECKIN",
            "CHECKIN needs the trip reference (tour code and start date), e.g. CHECKIN EBC-251005",
        ),
        (
            "CHECKIN EBC-2501234",
            "CHECKIN",
            "EBC-2501234 is a booking reference; CHECKIN needs the trip reference "
            "(tour code and start date), e.g. CHECKIN EBC-251005",
        ),
        (
            "checkout EBC-2510",
            "CHECKOUT",
            "CHECKOUT needs the trip reference (tour code and start date), e.g. CHECKOUT EBC-251005",
        ),
        (
            "ISSUE Ram twisted his ankle",
            "ISSUE",
            "ISSUE needs the trip reference (tour code and start date), "
            "e.g. ISSUE EBC-251005 Ram twisted his ankle",
        ),
        (
            "ISSUE EBC-251005",
            "ISSUE",
            "ISSUE needs a few words after the trip reference, "
            "e.g. ISSUE EBC-251005 Ram twisted his ankle",
        ),
        (
            "update ebc251005 !!",
            "UPDATE",
            "UPDATE needs a few words after the trip reference, "
            "e.g. UPDATE EBC-251005 reached camp 2",
        ),
        (
            "RESOLVED",
            "RESOLVED",
            "RESOLVED needs the trip reference (tour code and start date), "
            "e.g. RESOLVED EBC-251005",
        ),
        (
            "STATUS",
            "STATUS",
            "STATUS needs a booking reference (e.g. STATUS EBC-2501234) "
            "or a trip reference (e.g. STATUS EBC-251005)",
        ),
        (
            "status EBC-25",
            "STATUS",
            "STATUS needs a booking reference (e.g. STATUS EBC-2501234) "
            "or a trip reference (e.g. STATUS EBC-251005)",
        ),
        (
            # A reference typed wrong must not pass for "the pending offer".
            "ACCEPT EBC-2510",
            "ACCEPT",
            "EBC-2510 is not a trip reference. Use the tour code and start date, "
            "e.g. ACCEPT EBC-251005, or just ACCEPT for the offer you were sent.",
        ),
        (
            "decline ebc2501234 sick",
            "DECLINE",
            "ebc2501234 is not a trip reference. Use the tour code and start date, "
            "e.g. DECLINE EBC-251005, or just DECLINE for the offer you were sent.",
        ),
    ],
)
def test_malformed_commands_explain_the_right_form(text: str, keyword: str, problem: str) -> None:
    assert parse_staff_command(text) == StaffCommand(keyword, None, {}, problem)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "hello",
        "Hi, I'd like the Everest trek",
        "checking the prices",  # "check" + "ing", not CHECK IN
        "check inbox",
        "acceptable?",
        "helpful, thanks",
        "statuses",
        "I want to ACCEPT",  # a command starts the message
        "EBC-251005 CHECKIN",
    ],
)
def test_text_that_does_not_start_with_a_keyword_is_no_command(text: str) -> None:
    assert parse_staff_command(text) is None


@given(st.text(max_size=200))
def test_the_grammar_never_raises(text: str) -> None:
    command = parse_staff_command(text)
    if command is not None:
        assert (command.name is None) or (command.problem is None)
        assert command.problem is None or command.args == {}


@given(
    st.sampled_from(["ACCEPT", "DECLINE", "CHECKIN", "CHECKOUT", "ISSUE", "UPDATE", "RESOLVED"]),
    st.text(max_size=80),
)
def test_every_keyword_is_a_command_whatever_follows(keyword: str, rest: str) -> None:
    command = parse_staff_command(f"{keyword} {rest}")
    assert command is not None and command.keyword == keyword
