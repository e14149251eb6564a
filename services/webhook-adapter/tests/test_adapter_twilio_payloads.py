"""Reading Twilio's form parameters (pure functions, no infrastructure)."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st
from webhook_adapter.domain import twilio

AT = datetime(2025, 1, 10, tzinfo=UTC)
NAMES = [
    *("MessageSid", "SmsSid", "From", "To", "Body", "NumMedia", "MediaUrl0"),
    *("MediaContentType0", "MediaUrl1", "MessageType", "ButtonText", "ButtonPayload"),
    *("ListId", "ListTitle", "Latitude", "Longitude", "MessageStatus", "ErrorCode"),
    *("OriginalRepliedMessageSid", "OriginalRepliedMessageSender", "ReferralSourceId"),
]
VALUES = st.text(max_size=8) | st.sampled_from(
    [
        *("whatsapp:+9779841234567", "whatsapp:+14155238886", "SM1", "2", "1", "0", "x"),
        *("image", "interactive", "button", "location", "text", "delivered", "undelivered"),
        *("queued", "received", "27.7", "https://api.twilio.com/x/Media/ME1", "63016", "-"),
    ]
)


@given(params=st.dictionaries(st.sampled_from(NAMES), VALUES, max_size=12))
def test_any_form_is_read_or_reported_never_raised(params: dict[str, str]) -> None:
    batch = twilio.read_params(params, AT)
    for message in batch.messages:
        assert message.from_phone.startswith("+")
        message.event("twilio", batch.address or "?")
    for status in batch.statuses:
        status.event("twilio", batch.address or "?")
    assert len(batch.messages) + len(batch.statuses) <= 1


def test_status_callbacks_are_told_from_inbound_messages() -> None:
    inbound = {
        "MessageSid": "SM1",
        "From": "whatsapp:+9779841234567",
        "To": "whatsapp:+14155238886",
    }
    assert twilio.business_address({**inbound, "SmsStatus": "received"}) == "+14155238886"
    callback = {**inbound, "From": "whatsapp:+14155238886", "To": "whatsapp:+9779841234567"}
    assert twilio.business_address({**callback, "MessageStatus": "read"}) == "+14155238886"
    assert twilio.business_address({**inbound, "MessageStatus": "received"}) == "+14155238886"
    [status] = twilio.read_params({**callback, "MessageStatus": "canceled"}, AT).statuses
    assert (status.status, status.provider_status) == ("failed", "canceled")
    batch = twilio.read_params({**callback, "MessageStatus": "sending"}, AT)
    assert (batch.messages, batch.statuses, batch.problems) == ([], [], [])
    assert twilio.read_params({**callback, "MessageStatus": "exploded"}, AT).problems == [
        "status 'SM1' unreadable: unknown status 'exploded'"
    ]


def test_forms_that_are_not_utf8_forms() -> None:
    for body in (b"a=%ff", b"a=\xff", b"novalue", b"a=1&&"):
        try:
            twilio.decode_form(body)
        except twilio.MalformedForm:
            continue
        raise AssertionError(body)
    assert twilio.decode_form(b"Body=caf%C3%A9+%26+more&To=whatsapp%3A%2B1") == [
        ("Body", "café & more"),
        ("To", "whatsapp:+1"),
    ]
