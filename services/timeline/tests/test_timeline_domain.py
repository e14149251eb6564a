"""Placement rules: the subject, every object the payload points at, and readable summaries."""

from __future__ import annotations

from typing import Any

import waops_contracts.events  # noqa: F401  (registers every event type)
from timeline.domain.placement import place, summarise
from waops_contracts.registry import EXAMPLES


def _where(event_type: str, subject: str | None, data: dict[str, Any]) -> set[tuple[str, str]]:
    return {(p.object_type, p.object_id) for p in place(event_type, subject, data)}


def test_an_incident_lands_on_itself_and_on_its_trip() -> None:
    data = {
        "incident_id": "i-1",
        "trip_id": "t-1",
        "severity": "HIGH",
        "state": "OPEN",
        "text": "Ram twisted his ankle",
        "author": {"name": "Pemba"},
    }
    placed = place("waops.incident.reported.v1", "INCIDENT/i-1", data)
    assert {(p.object_type, p.object_id) for p in placed} == {("INCIDENT", "i-1"), ("TRIP", "t-1")}
    assert placed[0].summary == "Incident reported (HIGH, OPEN) by Pemba: Ram twisted his ankle"


def test_a_payment_lands_on_its_booking_and_a_booking_on_its_lead() -> None:
    payment = {"booking_id": "b-1", "amount": "1305.00", "currency": "USD", "balance": "3045.00"}
    assert _where("waops.payment.received.v1", "BOOKING/b-1", payment) == {("BOOKING", "b-1")}
    booking = {"booking_id": "b-1", "lead_id": "l-1", "reference": "EBC-2501234", "state": "HELD"}
    assert _where("waops.booking.held.v1", "BOOKING/b-1", booking) == {
        ("BOOKING", "b-1"),
        ("LEAD", "l-1"),
    }
    won = {"lead_id": "l-1", "booking_id": "b-1", "reference": "EBC2501234"}
    assert _where("waops.lead.won.v1", "LEAD/l-1", won) == {("LEAD", "l-1"), ("BOOKING", "b-1")}


def test_commands_land_on_their_object_and_conversation_but_not_on_what_their_args_name() -> None:
    succeeded = {
        "name": "CheckIn",
        "actor": {"name": "Pemba"},
        "object": {"type": "TRIP", "id": "t-1"},
        "conversation_id": "c-1",
        "result": {"trip_id": "t-9"},
    }
    placed = place("waops.command.succeeded.v1", "TRIP/t-1", succeeded)
    assert {(p.object_type, p.object_id) for p in placed} == {
        ("TRIP", "t-1"),
        ("CONVERSATION", "c-1"),
    }
    assert placed[0].summary == "CheckIn by Pemba succeeded"


def test_every_event_type_of_the_catalogue_gets_a_summary_without_failing() -> None:
    for event_type, payload in EXAMPLES.items():
        kind = event_type.removeprefix("waops.").rsplit(".", 1)[0]
        summary = summarise(kind, payload)
        assert summary and "None" not in summary, (event_type, summary)


def test_a_payload_of_an_unexpected_shape_still_reads_as_its_kind() -> None:
    assert summarise("trip.started", {"by": "not a dict"}).startswith("Trip ")
    assert summarise("incident.reported", []) == "Incident reported"  # type: ignore[arg-type]
    assert summarise("something.new", {}) == "Something new"
