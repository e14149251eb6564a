"""Every registered event type has a valid example, a version, and survives the wire."""

from __future__ import annotations

import re

import pytest
from pydantic import ValidationError
from waops_contracts import EVENT_TYPES, EXAMPLES, Envelope, parse_payload, stable_event_id
from waops_contracts.events import LeadCreated

TYPE_NAME = re.compile(r"^waops\.[a-z_]+\.[a-z_]+\.v\d+$")


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_every_type_is_versioned_and_its_example_validates(event_type: str) -> None:
    assert TYPE_NAME.match(event_type)
    payload = parse_payload(event_type, EXAMPLES[event_type])
    assert payload.event_type == event_type


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_envelope_round_trips_through_json(event_type: str) -> None:
    payload = parse_payload(event_type, EXAMPLES[event_type])
    env = Envelope.wrap(
        payload, source="waops/test", tenant_id="demo", subject="LEAD/1", partition_key="c:p"
    )
    back = Envelope.from_json_bytes(env.to_json_bytes())
    assert back == env
    assert parse_payload(back.type, back.data) == payload


def test_consumers_read_tolerantly_but_required_fields_are_enforced() -> None:
    data = dict(EXAMPLES[LeadCreated.event_type], future_field="ignored")
    assert parse_payload(LeadCreated.event_type, data).reference == "EBC2501234"
    del data["reference"]
    with pytest.raises(ValidationError):
        parse_payload(LeadCreated.event_type, data)


def test_payloads_are_frozen() -> None:
    lead = parse_payload(LeadCreated.event_type, EXAMPLES[LeadCreated.event_type])
    with pytest.raises(ValidationError):
        lead.reference = "X"  # type: ignore[misc]


def test_causation_and_correlation_carry_forward() -> None:
    lead = parse_payload(LeadCreated.event_type, EXAMPLES[LeadCreated.event_type])
    cause = Envelope.wrap(lead, source="a", tenant_id="demo")
    effect = Envelope.wrap(lead, source="b", tenant_id="demo", causation=cause)
    assert (
        effect.causationid == cause.id and effect.correlationid == cause.correlationid == cause.id
    )


def test_stable_ids_collapse_duplicates() -> None:
    assert stable_event_id("meta", "wamid.1") == stable_event_id("meta", "wamid.1")
    assert stable_event_id("meta", "wamid.1") != stable_event_id("meta", "wamid.2")


def test_a_phone_is_keyed_the_same_however_it_is_written() -> None:
    from waops_contracts import phone_key

    written = ("+977 984-123 4567", "009779841234567", "9779841234567", "whatsapp:+9779841234567")
    assert {phone_key(p) for p in written} == {"+9779841234567"}
    assert phone_key("(+44) 7700 900123") == "+447700900123"
