"""Bad input at each door: the status it gets, and proof that nothing valid was lost.

Refused before storing (nothing in any table): oversized (413, before parsing), wrong
content type (415), empty, not UTF-8, malformed (400), unsigned (401). Authentic but
partly unreadable, or for an unknown channel: stored and quarantined with the reason,
and every valid item of the same POST published.
"""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy.engine import make_url
from waops_sandbox import encode, status_webhook, text_message_webhook
from waops_sandbox.twilio_payloads import encode_form, inbound_params, status_params
from waops_service_kit.provision import service_url
from waops_testing.plugin import Isolated
from waops_testing.tcp_proxy import TcpProxy

pytestmark = pytest.mark.integration

StartAdapter = Any  # the start_adapter fixture (tests/conftest.py)
META, D360, BIZ = "109876543210", "360000000001", "+14155238886"
PHONE = "+9779841234567"
TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'


def texted(channel: str, wamid: str, text: str = "hi") -> dict[str, Any]:
    return text_message_webhook(channel, "+1555", PHONE, "Asha", text, message_id=wamid)


def twilio_text(sid: str, to: str = BIZ, **extra: str) -> dict[str, str]:
    params = inbound_params(
        account_sid="AC" + "0" * 32,
        to=to,
        from_=PHONE,
        profile_name="Asha",
        kind="text",
        data={"text": "hi"},
        base_url="https://api.twilio.com",
        message_sid=sid,
    )
    return {**params, **extra}


async def test_cloud_api_bodies_refused_before_storing(start_adapter: StartAdapter) -> None:
    async with start_adapter(webhook_max_bytes=4096) as adapter:
        assert (await adapter.post(b""))[1]["error"]["code"] == "EMPTY_BODY"
        big = encode(texted(META, "wamid.big", "x" * 5000))
        assert (await adapter.post(big))[0] == 413
        status, answer = await adapter.post(b"\xff\xfe\x00{", content_type="application/json")
        assert (status, answer["error"]["code"]) == (400, "MALFORMED_JSON")
        status, answer = await adapter.post(texted(META, "wamid.f"), content_type="text/xml")
        assert (status, answer["error"]["code"]) == (415, "UNSUPPORTED_MEDIA_TYPE")
        assert await adapter.nothing_stored()


async def test_360dialog_bodies_refused_before_storing(start_adapter: StartAdapter) -> None:
    async with start_adapter(
        provider="360dialog", meta_phone_number_id=D360, webhook_max_bytes=4096
    ) as adapter:
        cases = [
            (b"", 400, "EMPTY_BODY"),
            (encode(texted(D360, "wamid.big", "x" * 5000)), 413, "PAYLOAD_TOO_LARGE"),
            (b'{"object": "whatsapp_business_account", "entry": [', 400, "MALFORMED_JSON"),
            (b'{"entry": "caf\xe9"}', 400, "MALFORMED_JSON"),
            (b'{"object": "whatsapp_business_account"}', 400, "INVALID_PAYLOAD"),
        ]
        for body, status, code in cases:
            assert (await adapter.post_d360(body))[0] == status, body[:40]
            assert (await adapter.post_d360(body))[1]["error"]["code"] == code
        status, answer = await adapter.post_d360(texted(D360, "w"), content_type="text/plain")
        assert (status, answer["error"]["code"]) == (415, "UNSUPPORTED_MEDIA_TYPE")
        assert await adapter.nothing_stored()


async def test_one_bad_item_or_unknown_number_loses_nothing_else(
    start_adapter: StartAdapter,
) -> None:
    """One POST: a good message, an unreadable one, a status, an entry for an unknown number
    and one for a number of another provider. The good ones are published, the webhook is
    quarantined naming the others."""
    async with start_adapter(provider="meta") as adapter:
        status, answer = await adapter.admin(
            "POST", "", json={"provider": "360dialog", "address": D360}
        )
        assert status == 201, answer
        payload = texted(META, "wamid.good")
        value = payload["entry"][0]["changes"][0]["value"]
        value["messages"].append({**value["messages"][0], "id": "wamid.bad", "timestamp": "x"})
        value["statuses"] = status_webhook(META, "+1555", "wamid.out", PHONE, "read")["entry"][0][
            "changes"
        ][0]["value"]["statuses"]
        payload["entry"].append(texted("999000111", "wamid.stranger")["entry"][0])
        payload["entry"].append(texted(D360, "wamid.wrong-door")["entry"][0])
        assert await adapter.post(payload) == (200, {"status": "ok"})
        envs = await adapter.published(2)
        assert [e.data["provider_message_id"] for e in envs] == ["wamid.good", "wamid.out"]
        row = await adapter.db.fetchrow("SELECT status, reason FROM webhook_events")
        assert row["status"] == "quarantined"
        for named in ("wamid.bad", "unknown channel 999000111", f"channel {D360} is a 360dialog"):
            assert named in row["reason"]
        # The raw log keeps the whole body: the quarantined parts can be replayed later.
        assert b"wamid.stranger" in bytes(
            await adapter.db.fetchval("SELECT body FROM webhook_events")
        )


async def test_replays_at_every_door_change_nothing(start_adapter: StartAdapter) -> None:
    async with start_adapter(provider="twilio") as adapter:
        params = twilio_text("SM" + "a" * 32)
        for _ in range(3):
            assert await adapter.post_twilio(params) == (200, TWIML)
        callback = status_params(
            account_sid="AC" + "0" * 32,
            from_=BIZ,
            to=PHONE,
            message_sid="SM" + "b" * 32,
            status="delivered",
        )
        for _ in range(2):
            assert (await adapter.post_twilio(callback))[0] == 200
        envs = await adapter.published(2)
        assert sorted(e.type for e in envs) == [
            "waops.message.received.v1",
            "waops.message.status.v1",
        ]
        assert await adapter.count("webhook_events") == 5
        assert await adapter.count("inbound_messages") == 1
        assert await adapter.count("webhook_events", "status = 'quarantined'") == 0


async def test_twilio_bodies_refused_before_storing(start_adapter: StartAdapter) -> None:
    async with start_adapter(provider="twilio", webhook_max_bytes=4096) as adapter:
        params = twilio_text("SM" + "c" * 32)
        cases: list[tuple[bytes, str, int, str]] = [
            (b"", "application/x-www-form-urlencoded", 400, "EMPTY_BODY"),
            (b"Body=" + b"x" * 5000, "application/x-www-form-urlencoded", 413, "PAYLOAD_TOO_LARGE"),
            (b"Body=caf%E9&From=x", "application/x-www-form-urlencoded", 400, "MALFORMED_FORM"),
            (b"Body=caf\xe9", "application/x-www-form-urlencoded", 400, "MALFORMED_FORM"),
            (b"no-equals-sign", "application/x-www-form-urlencoded", 400, "MALFORMED_FORM"),
            (encode_form(params), "application/json", 415, "UNSUPPORTED_MEDIA_TYPE"),
        ]
        for body, content_type, status, code in cases:
            got = await adapter.post_twilio(body, content_type=content_type)
            assert isinstance(got[1], dict)
            assert (got[0], got[1]["error"]["code"]) == (status, code), body[:30]
        assert await adapter.nothing_stored()


async def test_twilio_unknown_number_and_unreadable_webhooks(start_adapter: StartAdapter) -> None:
    """Twilio does not retry: what a person must fix is answered 4xx (its console shows
    it) after the authentic webhook was stored and quarantined."""
    async with start_adapter(provider="twilio") as adapter:
        stranger = twilio_text("SM" + "d" * 32, to="+12025550100")
        status, answer = await adapter.post_twilio(stranger)
        assert isinstance(answer, dict)
        assert (status, answer["error"]["code"]) == (404, "UNKNOWN_CHANNEL")
        assert await adapter.count("webhook_events", "status = 'quarantined'") == 1
        # Unknown number and no token verifies it: not stored at all.
        assert (await adapter.post_twilio(stranger, token="forged"))[0] == 404
        assert await adapter.count("webhook_events") == 1

        no_sid = {k: v for k, v in twilio_text("SM" + "e" * 32).items() if "Sid" not in k}
        status, answer = await adapter.post_twilio(no_sid)
        assert isinstance(answer, dict)
        assert (status, answer["error"]["code"]) == (400, "INVALID_PAYLOAD")
        no_to = {k: v for k, v in twilio_text("SM" + "f" * 32).items() if k != "To"}
        assert (await adapter.post_twilio(no_to))[0] == 400
        bad_media = twilio_text("SM" + "1" * 32, MessageType="image", NumMedia="1")
        assert (await adapter.post_twilio(bad_media))[0] == 400
        assert await adapter.count("webhook_events", "status = 'quarantined'") == 4
        assert await adapter.published(0) == []


async def test_a_database_outage_answers_503_at_every_door(
    start_adapter: StartAdapter, isolated: Isolated
) -> None:
    url = make_url(service_url(isolated.admin_url, "webhook_adapter"))
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    await proxy.start()
    through_proxy = url.set(host="127.0.0.1", port=proxy.port).render_as_string(False)
    try:
        async with start_adapter(database_url=through_proxy, provider="twilio") as adapter:
            assert (await adapter.post_twilio(twilio_text("SM" + "2" * 32)))[0] == 200
            await proxy.stop()
            status, answer = await adapter.post_twilio(twilio_text("SM" + "3" * 32))
            assert isinstance(answer, dict)
            assert (status, answer["error"]["code"]) == (503, "STORAGE_UNAVAILABLE")
            status, answer = await adapter.post_d360(texted(D360, "wamid.x"))
            assert (status, answer["error"]["code"]) == (503, "STORAGE_UNAVAILABLE")
    finally:
        await proxy.stop()


async def test_meta_body_with_another_apps_signature_publishes_nothing_for_a_channel_with_its_own(
    start_adapter: StartAdapter,
) -> None:
    """A channel registered with its own app secret only takes webhooks signed with it."""
    keys = "hm0Nq1dS5kq0hN9m4cY0m3f2Y8Q2p9uV4r7k1z6x3wE="
    async with start_adapter(provider="meta", channel_keys=keys) as adapter:
        tenant_b = {"provider": "meta", "address": "200000000002", "tenant_id": "tenant-b"}
        tenant_b["credentials"] = {"app_secret": "tenant-b-secret"}
        assert (await adapter.admin("POST", "", json=tenant_b))[0] == 201
        forged = texted("200000000002", "wamid.forged")
        assert await adapter.post(forged) == (200, {"status": "ok"})  # the default app's secret
        own = texted("200000000002", "wamid.own")
        assert (await adapter.post(own, secret="tenant-b-secret"))[0] == 200
        both = copy.deepcopy(own)
        both["entry"].append(texted(META, "wamid.default-via-b")["entry"][0])
        assert (await adapter.post(both, secret="tenant-b-secret"))[0] == 200
        [env] = await adapter.published(1)
        assert (env.data["provider_message_id"], env.tenantid) == ("wamid.own", "tenant-b")
        reasons = [
            r["reason"]
            for r in await adapter.db.fetch(
                "SELECT reason FROM webhook_events WHERE status = 'quarantined' ORDER BY id"
            )
        ]
        assert reasons == [
            "channel 200000000002 expects webhooks signed with its own secret",
            f"channel {META} expects webhooks signed with its own secret",
        ]
        assert (await adapter.post(own, secret="nobodys-secret"))[0] == 401


async def chunks(body: bytes) -> AsyncIterator[bytes]:
    for start in range(0, len(body), 1024):
        yield body[start : start + 1024]


async def test_an_unannounced_oversized_twilio_body_is_413(start_adapter: StartAdapter) -> None:
    async with start_adapter(provider="twilio", webhook_max_bytes=4096) as adapter:
        resp = await adapter.client.post(
            "/webhooks/twilio",
            data=chunks(b"Body=" + b"x" * 9000),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert resp.status == 413
        assert (await resp.json())["error"]["code"] == "PAYLOAD_TOO_LARGE"
        assert await adapter.nothing_stored()
