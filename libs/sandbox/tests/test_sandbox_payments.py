"""The sandbox's payment page plays a gateway: a Pay button that sends signed webhooks."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from waops_sandbox import SandboxConfig, create_sandbox_app
from waops_sandbox.payments import SIGNATURE_HEADER, payment_succeeded, sign_payment

SECRET = "gateway-secret"
LINK = "9b5a0c4d-2e6f-4a8b-9c0d-1e2f3a4b5c6d"


@pytest_asyncio.fixture
async def receiver() -> AsyncIterator[tuple[TestServer, list[tuple[bytes, str | None]]]]:
    """Stands in for the core: records each webhook's raw body and signature header."""
    got: list[tuple[bytes, str | None]] = []

    async def webhook(request: web.Request) -> web.Response:
        got.append((await request.read(), request.headers.get(SIGNATURE_HEADER)))
        return web.json_response({"outcome": "recorded" if len(got) == 1 else "duplicate"})

    app = web.Application()
    app.router.add_post("/v1/payments/webhook", webhook)
    server = TestServer(app)
    await server.start_server()
    yield server, got
    await server.close()


async def _sandbox(url: str | None) -> TestClient[Any, Any]:
    config = SandboxConfig(
        access_token="t",
        app_secret="s",
        phone_number_id="1",
        display_phone_number="+977 1 5550100",
        payment_webhook_url=url,
        payment_webhook_secret=SECRET,
    )
    client: TestClient[Any, Any] = TestClient(TestServer(create_sandbox_app(config)))
    await client.start_server()
    return client


@pytest_asyncio.fixture
async def sandbox(receiver: Any) -> AsyncIterator[TestClient[Any, Any]]:
    server, _ = receiver
    client = await _sandbox(str(server.make_url("/v1/payments/webhook")))
    yield client
    await client.close()


QUERY = "amount=1305.00&currency=USD&booking=EBC-2501234&tenant=demo"


async def test_the_page_shows_the_amount_and_a_pay_button(sandbox: Any) -> None:
    resp = await sandbox.get(f"/_sandbox/pay/{LINK}?{QUERY}")
    assert resp.status == 200 and resp.content_type == "text/html"
    page = await resp.text()
    assert "Pay 1305.00 USD" in page and "EBC-2501234" in page and "<button" in page
    hostile = await sandbox.get(f"/_sandbox/pay/{LINK}?booking=<script>x</script>")
    assert "<script>" not in await hostile.text()


async def test_paying_sends_one_signed_gateway_webhook_per_delivery(
    sandbox: Any, receiver: Any
) -> None:
    _, got = receiver
    resp = await sandbox.post(f"/_sandbox/pay/{LINK}?{QUERY}", json={"repeat": 2})
    assert resp.status == 200
    result = await resp.json()
    assert [d["body"]["outcome"] for d in result["deliveries"]] == ["recorded", "duplicate"]
    assert len(got) == 2 and got[0] == got[1]  # the same event, delivered twice
    body, header = got[0]
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert header == expected == sign_payment(body, SECRET)
    event = json.loads(body)
    assert event == result["event"]
    assert event["type"] == "payment.succeeded" and event["id"].startswith("evt_")
    data = event["data"]
    assert data["payment_id"].startswith("pay_")
    assert (data["link_id"], data["amount"], data["currency"]) == (LINK, "1305.00", "USD")
    assert data["metadata"] == {"tenant": "demo", "booking": "EBC-2501234"}
    assert set(data) == {"payment_id", "link_id", "amount", "currency", "paid_at", "metadata"}


async def test_the_button_form_pays_and_answers_a_page(sandbox: Any, receiver: Any) -> None:
    _, got = receiver
    form = {"amount": "50", "currency": "usd", "booking": "B", "tenant": "demo"}
    resp = await sandbox.post(f"/_sandbox/pay/{LINK}", data=form)
    assert resp.status == 200 and "Payment received" in await resp.text()
    assert json.loads(got[0][0])["data"]["amount"] == "50.00"
    assert json.loads(got[0][0])["data"]["currency"] == "USD"


async def test_the_same_payment_id_can_be_paid_again(sandbox: Any, receiver: Any) -> None:
    _, got = receiver
    for _ in range(2):
        resp = await sandbox.post(f"/_sandbox/pay/{LINK}?{QUERY}", json={"payment_id": "pay_1"})
        assert resp.status == 200
    assert [json.loads(body)["data"]["payment_id"] for body, _ in got] == ["pay_1", "pay_1"]


async def test_bad_payments_are_400_and_send_nothing(sandbox: Any, receiver: Any) -> None:
    _, got = receiver
    for body in (
        {"amount": "abc", "currency": "USD"},
        {"amount": "-5", "currency": "USD"},
        {"amount": "NaN", "currency": "USD"},
        {"amount": "5", "currency": "DOLLARS"},
        {"amount": "5", "currency": "USD", "repeat": 9},
        {"amount": "5", "currency": "USD", "repeat": "x"},
    ):
        resp = await sandbox.post(f"/_sandbox/pay/{LINK}", json=body)
        assert resp.status == 400, body
        assert "error" in await resp.json()
    assert got == []


async def test_without_a_webhook_url_paying_is_refused() -> None:
    client = await _sandbox(None)
    try:
        resp = await client.post(f"/_sandbox/pay/{LINK}?{QUERY}", json={})
        assert resp.status == 409
    finally:
        await client.close()


def test_the_body_builder_is_what_a_gateway_sends() -> None:
    event = payment_succeeded(link_id=LINK, amount="1.00", currency="USD", payment_id="pay_x")
    assert event["data"]["payment_id"] == "pay_x"
    assert event["data"]["metadata"] == {"tenant": None, "booking": None}
