"""Reading Meta's webhook format (pure functions, no infrastructure)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from waops_sandbox import encode, sign, status_webhook, text_message_webhook
from webhook_adapter.domain.meta import (
    InvalidPayload,
    MalformedJson,
    decode_webhook,
    read_changes,
    signature_valid,
)

SECRET = "sandbox-app-secret"


def test_the_signature_is_over_the_exact_bytes() -> None:
    body = encode(text_message_webhook("1", "+1555", "+9779841234567", "Asha", "नमस्ते"))
    header = sign(body, SECRET)
    assert signature_valid(body, header, SECRET)
    assert signature_valid(body, header.upper().replace("SHA256=", "sha256="), SECRET)
    assert not signature_valid(body + b" ", header, SECRET)
    assert not signature_valid(body, header, "other")
    for bad in (None, "", header.removeprefix("sha256="), "sha256=zz", "sha256=é"):
        assert not signature_valid(body, bad, SECRET)


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"", MalformedJson),
        (b"\xff\xfe{}", MalformedJson),
        (b"{'single': 'quotes'}", MalformedJson),
        (b"null", InvalidPayload),
        (b'{"object": "instagram", "entry": [{}]}', InvalidPayload),
        (b'{"object": "whatsapp_business_account", "entry": {}}', InvalidPayload),
        (b'{"object": "whatsapp_business_account", "entry": [1]}', InvalidPayload),
    ],
)
def test_what_is_not_a_webhook(body: bytes, error: type[Exception]) -> None:
    with pytest.raises(error):
        decode_webhook(body)


def test_unreadable_items_are_problems_and_the_rest_is_read() -> None:
    doc = text_message_webhook("1", "+1555", "+9779841234567", "Asha", "ok", message_id="wamid.ok")
    value = doc["entry"][0]["changes"][0]["value"]
    good = value["messages"][0]
    value["messages"] += [
        {**good, "id": "wamid.nofrom", "from": None},
        {**good, "id": "wamid.badtime", "timestamp": "yesterday"},
        {**good, "id": "wamid.hugetime", "timestamp": "9" * 30},
    ]
    value["statuses"] = [
        status_webhook("1", "+1555", "wamid.s", "+1555", "played")["entry"][0]["changes"][0][
            "value"
        ]["statuses"][0]
    ]
    doc["entry"].append({"id": "2", "changes": [{"field": "account_update", "value": {}}]})
    [change] = read_changes(decode_webhook(encode(doc)))
    assert [m.provider_message_id for m in change.messages] == ["wamid.ok"]
    assert change.statuses == []
    assert len(change.problems) == 4
    assert "wamid.nofrom" in change.problems[0]


KINDS = [
    *("text", "image", "audio", "location", "contacts", "interactive", "button"),
    *("reaction", "order", "system", "unsupported", "sticker"),
]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)
fields = st.fixed_dictionaries(
    {},
    optional={
        "id": json_values | st.text(),
        "from": json_values | st.from_regex(r"\d{6,15}", fullmatch=True),
        "timestamp": json_values | st.from_regex(r"\d{1,12}", fullmatch=True),
        "type": json_values | st.sampled_from(KINDS),
        "text": json_values,
        "image": json_values | st.just({"id": "m1", "voice": "yes"}),
        "location": json_values | st.just({"latitude": 1, "longitude": "east"}),
        "contacts": json_values,
        "interactive": json_values
        | st.just({"type": "list_reply", "list_reply": {"id": 1, "title": None}}),
        "button": json_values,
        "reaction": json_values | st.just({"message_id": "wamid.x", "emoji": ""}),
        "order": json_values | st.just({"product_items": [{"product_retailer_id": 5}]}),
        "system": json_values | st.just({"new_wa_id": "no digits"}),
        "context": json_values | st.just({"from": "", "forwarded": "yes"}),
        "referral": json_values,
        "conversation": json_values | st.just({"expiration_timestamp": "soon"}),
        "pricing": json_values,
        "status": json_values | st.sampled_from(["sent", "read"]),
        "recipient_id": json_values,
        "errors": json_values,
    },
)


@given(
    metadata=json_values | st.just({"phone_number_id": "1"}),
    messages=st.lists(fields | json_values, max_size=3),
    statuses=st.lists(fields | json_values, max_size=3),
    contacts=json_values,
)
def test_any_shape_inside_a_webhook_is_read_or_reported_never_raised(
    metadata: Any, messages: Any, statuses: Any, contacts: Any
) -> None:
    value = {"metadata": metadata, "messages": messages, "statuses": statuses, "contacts": contacts}
    doc = {
        "object": "whatsapp_business_account",
        "entry": [{"changes": [{"field": "messages", "value": value}]}],
    }
    for change in read_changes(doc):
        for message in change.messages:
            assert message.from_phone.startswith("+")
            message.event("meta", "1")
        for status in change.statuses:
            status.event("meta", "1")
