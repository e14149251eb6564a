"""What the adapter refuses, and that a refusal stores and publishes nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy.engine import make_url
from waops_sandbox import encode, sign, text_message_webhook
from waops_service_kit.provision import service_url
from waops_testing.plugin import Isolated
from waops_testing.tcp_proxy import TcpProxy

pytestmark = pytest.mark.integration

StartAdapter = Any  # the start_adapter fixture (tests/conftest.py)
URL = "/webhooks/meta"
WEBHOOK = text_message_webhook("109876543210", "+1 555 078 3881", "+9779841234567", "Asha", "hi")


async def test_the_subscription_handshake(start_adapter: StartAdapter) -> None:
    async with start_adapter() as adapter:
        params = {
            "hub.mode": "subscribe",
            "hub.verify_token": "sandbox-verify-token",
            "hub.challenge": "1158201444",
        }
        resp = await adapter.client.get(URL, params=params)
        assert resp.status == 200
        assert resp.content_type == "text/plain"
        assert await resp.text() == "1158201444"

        for wrong in ({"hub.verify_token": "guess"}, {"hub.mode": "unsubscribe"}):
            resp = await adapter.client.get(URL, params={**params, **wrong})
            assert resp.status == 403
            assert (await resp.json())["error"]["code"] == "VERIFICATION_FAILED"


async def test_a_wrong_or_missing_signature_is_refused(start_adapter: StartAdapter) -> None:
    async with start_adapter() as adapter:
        for secret, headers in (
            ("someone-elses-secret", {}),
            (None, {}),
            (None, {"X-Hub-Signature-256": "sha1=" + "0" * 40}),
            (None, {"X-Hub-Signature-256": "garbage"}),
        ):
            status, body = await adapter.post(WEBHOOK, secret=secret, headers=headers)
            assert status == 401
            assert body["error"]["code"] == "INVALID_SIGNATURE"
        # Signed, then altered in transit: the signature covers the raw bytes.
        raw = encode(WEBHOOK)
        tampered = raw.replace(b'"hi"', b'"HI"')
        signed = {"X-Hub-Signature-256": sign(raw, "sandbox-app-secret")}
        status, _ = await adapter.post(tampered, secret=None, headers=signed)
        assert status == 401
        assert await adapter.nothing_stored()

        metrics = await (await adapter.client.get("/metrics")).text()
        assert 'waops_bad_input_total{reason="INVALID_SIGNATURE"}' in metrics


async def test_bodies_that_are_not_webhooks_are_refused(start_adapter: StartAdapter) -> None:
    async with start_adapter() as adapter:
        cases = [
            (b'{"object": "whatsapp_business_account", "entry": [}', "MALFORMED_JSON"),
            (b'{"object": "whatsapp_business_account", "entry": []', "MALFORMED_JSON"),
            (b'{"text": "caf\xe9"}', "MALFORMED_JSON"),  # Latin-1, not UTF-8
            (b'{"object": "page", "entry": [{}]}', "INVALID_PAYLOAD"),
            (b'{"object": "whatsapp_business_account"}', "INVALID_PAYLOAD"),
            (b'["whatsapp_business_account"]', "INVALID_PAYLOAD"),
        ]
        for body, code in cases:
            status, answer = await adapter.post(body)
            assert (status, answer["error"]["code"]) == (400, code), body
        status, answer = await adapter.post(WEBHOOK, content_type="text/plain")
        assert (status, answer["error"]["code"]) == (415, "UNSUPPORTED_MEDIA_TYPE")
        assert await adapter.nothing_stored()


async def test_a_body_over_the_limit_is_refused(start_adapter: StartAdapter) -> None:
    limit = 64 * 1024
    async with start_adapter(webhook_max_bytes=limit) as adapter:
        text = "x" * limit
        big = encode(text_message_webhook("109876543210", "+1555", "+1555", "A", text))
        status, answer = await adapter.post(big)
        assert (status, answer["error"]["code"]) == (413, "PAYLOAD_TOO_LARGE")

        async def chunked() -> AsyncIterator[bytes]:  # no Content-Length to refuse early on
            for start in range(0, len(big), 8192):
                yield big[start : start + 8192]

        resp = await adapter.client.post(
            URL,
            data=chunked(),
            headers={
                "Content-Type": "application/json",
                "X-Hub-Signature-256": sign(big, "sandbox-app-secret"),
            },
        )
        assert resp.status == 413
        assert (await resp.json())["error"]["code"] == "PAYLOAD_TOO_LARGE"
        assert await adapter.nothing_stored()


async def test_a_database_outage_answers_503_so_meta_retries(
    start_adapter: StartAdapter, isolated: Isolated
) -> None:
    url = make_url(service_url(isolated.admin_url, "webhook_adapter"))
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    await proxy.start()
    through_proxy = url.set(host="127.0.0.1", port=proxy.port).render_as_string(False)
    try:
        async with start_adapter(database_url=through_proxy) as adapter:
            assert (await adapter.post(WEBHOOK))[0] == 200
            await proxy.stop()  # the database is gone: cut and refused
            status, answer = await adapter.post(
                text_message_webhook("109876543210", "+1555", "+9779841234567", "Asha", "again")
            )
            assert (status, answer["error"]["code"]) == (503, "STORAGE_UNAVAILABLE")
    finally:
        await proxy.stop()
