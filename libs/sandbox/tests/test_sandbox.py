"""The sandbox speaks the Cloud API's wire format on both sides."""

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

TOKEN, SECRET, PHONE_ID = "tok", "secret", "109876543210"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
SEND = f"/v21.0/{PHONE_ID}/messages"
TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


def text(to: str = "+977 9841234567", body: str = "Namaste") -> dict[str, Any]:
    return {"messaging_product": "whatsapp", "to": to, "type": "text", "text": {"body": body}}


@pytest_asyncio.fixture
async def receiver() -> AsyncIterator[tuple[TestServer, list[tuple[bytes, dict[str, str]]]]]:
    """Stands in for the adapter: records the raw webhook bodies and headers."""
    got: list[tuple[bytes, dict[str, str]]] = []

    async def hook(request: web.Request) -> web.Response:
        got.append((await request.read(), dict(request.headers)))
        return web.json_response({"status": "ok"})

    async def verify(request: web.Request) -> web.Response:
        if request.query.get("hub.verify_token") != "vt":
            return web.json_response({"error": {}}, status=403)
        return web.Response(text=request.query["hub.challenge"])

    app = web.Application()
    app.router.add_post("/webhooks/meta", hook)
    app.router.add_get("/webhooks/meta", verify)
    server = TestServer(app)
    await server.start_server()
    yield server, got
    await server.close()


@pytest_asyncio.fixture
async def sandbox(receiver: Any) -> AsyncIterator[TestClient[Any, Any]]:
    server, _ = receiver
    config = SandboxConfig(
        access_token=TOKEN,
        app_secret=SECRET,
        phone_number_id=PHONE_ID,
        display_phone_number="+977 1 5550100",
        webhook_url=str(server.make_url("/webhooks/meta")),
        verify_token="vt",
    )
    client: TestClient[Any, Any] = TestClient(TestServer(create_sandbox_app(config)))
    await client.start_server()
    yield client
    await client.close()


async def test_an_accepted_send_is_answered_and_recorded(sandbox: Any) -> None:
    resp = await sandbox.post(SEND, json=text(), headers=AUTH)
    assert resp.status == 200
    answer = await resp.json()
    wamid = answer["messages"][0]["id"]
    assert wamid.startswith("wamid.")
    assert answer["contacts"] == [{"input": "+977 9841234567", "wa_id": "9779841234567"}]
    [record] = await (await sandbox.get("/_sandbox/sent?to=%2B9779841234567")).json()
    assert record["id"] == wamid and record["body"] == "Namaste"
    await sandbox.delete("/_sandbox/sent")
    assert await (await sandbox.get("/_sandbox/sent")).json() == []


async def test_a_wrong_token_is_refused_like_graph_does(sandbox: Any) -> None:
    resp = await sandbox.post(SEND, json=text(), headers={"Authorization": "Bearer nope"})
    assert resp.status == 401
    assert (await resp.json())["error"]["code"] == 190
    assert "invalid_token" in resp.headers["WWW-Authenticate"]
    assert await (await sandbox.get("/_sandbox/sent")).json() == []


async def test_invalid_sends_get_graph_errors(sandbox: Any) -> None:
    for payload in ({"to": "1"}, {**text(), "text": {}}, {**text(), "type": "hologram"}):
        resp = await sandbox.post(SEND, json=payload, headers=AUTH)
        assert resp.status == 400
        assert (await resp.json())["error"]["code"] == 100
    unknown = await sandbox.post("/v21.0/999/messages", json=text(), headers=AUTH)
    assert unknown.status == 400
    assert (await unknown.json())["error"]["code"] == 100


async def test_faults_fail_the_next_sends(sandbox: Any) -> None:
    await sandbox.post("/_sandbox/faults", json={"error_code": 131047, "times": 2})
    for _ in range(2):
        resp = await sandbox.post(SEND, json=text(), headers=AUTH)
        assert (await resp.json())["error"]["code"] == 131047
    assert (await sandbox.post(SEND, json=text(), headers=AUTH)).status == 200


async def test_the_phone_sends_signed_webhooks(sandbox: Any, receiver: Any) -> None:
    _, got = receiver
    resp = await sandbox.post(
        "/_sandbox/phone/send",
        json={"from": "+9779841234567", "text": "Héllo — ñ", "traceparent": TRACEPARENT},
    )
    assert resp.status == 200
    result = await resp.json()
    assert result["webhook_status"] == 200
    [(raw, headers)] = got
    expected = hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
    assert headers["X-Hub-Signature-256"] == f"sha256={expected}"
    assert headers["traceparent"] == TRACEPARENT
    assert b"\\u00e9" in raw  # Meta escapes non-ASCII; signatures are over these bytes
    value = json.loads(raw)["entry"][0]["changes"][0]["value"]
    assert value["metadata"]["phone_number_id"] == PHONE_ID
    [message] = value["messages"]
    assert message["id"] == result["message_id"]
    assert message["from"] == "9779841234567" and message["text"]["body"] == "Héllo — ñ"


async def test_the_phone_reports_statuses_of_sends(sandbox: Any, receiver: Any) -> None:
    _, got = receiver
    wamid = (await (await sandbox.post(SEND, json=text(), headers=AUTH)).json())["messages"][0][
        "id"
    ]
    resp = await sandbox.post(
        "/_sandbox/phone/status", json={"message_id": wamid, "status": "read"}
    )
    assert resp.status == 200
    [status] = json.loads(got[0][0])["entry"][0]["changes"][0]["value"]["statuses"]
    assert status["id"] == wamid and status["status"] == "read"
    assert status["recipient_id"] == "9779841234567"


async def test_webhook_verification_is_played(sandbox: Any) -> None:
    resp = await sandbox.post("/_sandbox/webhook/verify", json={})
    assert (await resp.json())["verified"] is True
    refused = await sandbox.post("/_sandbox/webhook/verify", json={"verify_token": "bad"})
    assert (await refused.json())["verified"] is False


async def test_control_api_refusals_are_json(sandbox: Any) -> None:
    resp = await sandbox.post("/_sandbox/phone/send", json={"text": "no sender"})
    assert resp.status == 400
    assert await resp.json() == {
        "error": {"code": "BAD_REQUEST", "message": '"from" (phone) and "text" are required'}
    }
