"""The sandbox's phone against the real adapter: every kind through every provider's door,
signed as that provider signs; what arrives is what was sent."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer
from waops_sandbox import SandboxConfig, create_sandbox_app

pytestmark = pytest.mark.integration

StartAdapter = Any  # the start_adapter fixture (tests/conftest.py)
D360, PHONE = "360000000001", "+9779841234567"
KINDS: dict[str, dict[str, Any]] = {
    "text": {"text": "Everest in March?"},
    "image": {"caption": "Our group"},
    "document": {"filename": "passport.pdf"},
    "audio": {"voice": True},
    "video": {},
    "sticker": {},
    "location": {"latitude": 27.71, "longitude": 85.31, "name": "Thamel"},
    "contacts": {"contacts": [{"name": "Pasang Sherpa", "phone": "+9779800000001"}]},
    "button_reply": {"reply_id": "yes", "title": "Yes", "payload": "yes"},
    "list_reply": {"reply_id": "ebc", "title": "Everest Base Camp", "description": "14 days"},
    "quick_reply": {"payload": "STOP", "title": "Stop promotions"},
    "reaction": {"reaction_to": "wamid.OURS", "emoji": "👍"},
    "order": {"text": "two please"},
    "unsupported": {},
}
TWILIO_KINDS = set(KINDS) - {"contacts", "reaction", "order"}


@pytest_asyncio.fixture
async def wired(start_adapter: StartAdapter) -> AsyncIterator[tuple[Any, TestClient[Any, Any]]]:
    async with start_adapter() as adapter:
        for channel in (
            {"provider": "360dialog", "address": D360},
            {"provider": "twilio", "address": "+14155238886"},
        ):
            assert (await adapter.admin("POST", "", json=channel))[0] == 201
        config = SandboxConfig(
            access_token="sandbox-access-token",
            app_secret="sandbox-app-secret",
            phone_number_id="109876543210",
            display_phone_number="+1 555 078 3881",
            webhook_url=str(adapter.client.make_url("/webhooks/meta")),
            d360_webhook_url=str(adapter.client.make_url("/webhooks/360dialog")),
            twilio_webhook_url=str(adapter.client.make_url("/webhooks/twilio")),
        )
        sandbox: TestClient[Any, Any] = TestClient(TestServer(create_sandbox_app(config)))
        await sandbox.start_server()
        try:
            yield adapter, sandbox
        finally:
            await sandbox.close()


async def test_every_kind_through_every_door(wired: tuple[Any, TestClient[Any, Any]]) -> None:
    adapter, sandbox = wired
    sent: dict[str, tuple[str, str]] = {}  # message id -> (provider, kind)
    for provider in ("meta", "360dialog", "twilio"):
        for kind, fields in KINDS.items():
            if provider == "twilio" and kind not in TWILIO_KINDS:
                continue
            body = {"from": PHONE, "provider": provider, "kind": kind, **fields}
            if provider == "360dialog":
                body["phone_number_id"] = D360
            resp = await sandbox.post("/_sandbox/phone/send", json=body)
            answer = await resp.json()
            assert (resp.status, answer["webhook_status"]) == (200, 200), (provider, kind, answer)
            sent[answer["message_id"]] = (provider, kind)
    envs = await adapter.published(len(sent))
    got = {e.data["provider_message_id"]: e.data for e in envs}
    assert set(got) == set(sent)
    expected_provider = {"meta": "sandbox", "360dialog": "360dialog", "twilio": "twilio"}
    for message_id, (provider, kind) in sent.items():
        data = got[message_id]
        assert (data["provider"], data["kind"]) == (expected_provider[provider], kind)
        assert data.get("supported", True) is (kind != "unsupported")
    assert await adapter.count("webhook_events", "status = 'quarantined'") == 0


async def test_a_repeated_delivery_and_a_reply_to(wired: tuple[Any, TestClient[Any, Any]]) -> None:
    adapter, sandbox = wired
    for provider in ("meta", "twilio"):
        resp = await sandbox.post(
            "/_sandbox/phone/send",
            json={
                "from": PHONE,
                "provider": provider,
                "text": "again",
                "repeat": 3,
                "reply_to": "wamid.EARLIER",
            },
        )
        answer = await resp.json()
        assert [d["webhook_status"] for d in answer["deliveries"]] == [200, 200, 200]
    envs = await adapter.published(2)
    assert {e.data["reply_to_message_id"] for e in envs} == {"wamid.EARLIER"}
    assert await adapter.count("webhook_events") == 6
    assert await adapter.count("inbound_messages") == 2
