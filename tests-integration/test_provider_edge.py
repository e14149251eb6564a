"""The provider edge through the whole system, for the providers other than Meta (whose
slice runs in test_enquiry_slice): a customer writes through 360dialog's or Twilio's
webhook format, waops answers through that provider's send API, and the provider's
delivery receipts — shuffled, as networks deliver them — bring the reply to ``read``."""

from __future__ import annotations

import urllib.parse
from typing import Any

import pytest
from waops_testing.poll import eventually
from waops_testing.system import System, reply_text

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ENQUIRY = "Hi! I'm interested in the Everest Base Camp Trek for 3 people in March 2025"


async def _message_status(system: System, provider_message_id: str) -> dict[str, Any] | None:
    # Meta-style ids are base64: a "+" must be escaped or the query reads it as a space.
    query = urllib.parse.urlencode({"provider_message_id": provider_message_id})
    status, body = await system.get_json("notifier", f"/v1/messages?{query}")
    return body["message"] if status == 200 else None


@pytest.mark.parametrize("provider", ["360dialog", "twilio"])
async def test_an_enquiry_in_and_the_reply_out_through_the_provider_to_read(
    start_system: Any, provider: str
) -> None:
    system: System = await start_system(provider=provider)
    async with system.http.post(
        system.url("sandbox") + "/_sandbox/statuses", json={"mode": "shuffled"}
    ) as resp:
        assert resp.status == 200, await resp.text()
    phone = "+9779841230001"
    delivered = await system.phone_says(phone, ENQUIRY)
    assert delivered["webhook_status"] == 200, delivered

    [reply] = await system.replies(phone, 1)
    assert reply["provider"] == provider
    assert "EBC" in reply_text(reply)  # the enquiry reference, e.g. EBC2500001

    seen: list[dict[str, Any] | None] = []

    async def read() -> dict[str, Any] | None:
        """Every receipt applied (they arrive shuffled: read may come before delivered)."""
        message = await _message_status(system, reply["id"])
        seen[:] = [message]
        if message is None:
            return None
        applied = {entry["status"] for entry in message["history"]}
        return message if {"sent", "delivered", "read"} <= applied else None

    try:
        message = await eventually(read, timeout=30, what=f"the {provider} reply to be read")
    except AssertionError as exc:
        _, receipts = await system.get_json("sandbox", "/_sandbox/statuses")
        raise AssertionError(f"{exc}; notifier: {seen}; sandbox receipts: {receipts}") from None
    assert message["status"] == "read"  # whatever the order, it never went back

    # The customer's own message is on record once, though the door may see retries.
    status, body = await system.get_json(
        "conversation-engine", f"/v1/conversations?phone={phone.replace('+', '%2B')}"
    )
    assert status == 200 and len(body["conversations"]) == 1
