"""The sandbox's phone speaks each provider's webhook format and signs as each provider."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qsl

import pytest
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from twilio.request_validator import RequestValidator
from waops_sandbox import SandboxConfig, create_sandbox_app
from waops_sandbox.meta_payloads import PHONE_KINDS, message_content
from waops_sandbox.signing import d360_signature, meta_signature

Received = list[tuple[str, bytes, dict[str, str]]]
TOKEN, ACCOUNT = "twilio-token", "AC" + "7" * 32


@pytest_asyncio.fixture
async def doors() -> AsyncIterator[tuple[TestServer, Received]]:
    """Stands in for the adapter's three doors: records path, raw body, headers."""
    got: Received = []

    async def hook(request: web.Request) -> web.Response:
        got.append((request.path, await request.read(), dict(request.headers)))
        return web.json_response({"status": "ok"})

    app = web.Application()
    for path in ("/webhooks/meta", "/webhooks/360dialog", "/webhooks/twilio"):
        app.router.add_post(path, hook)
    server = TestServer(app)
    await server.start_server()
    yield server, got
    await server.close()


async def phone(doors: Any, **overrides: Any) -> TestClient[Any, Any]:
    server, _ = doors
    config = SandboxConfig(
        access_token="tok",
        app_secret="app-secret",
        phone_number_id="109876543210",
        display_phone_number="+977 1 5550100",
        webhook_url=str(server.make_url("/webhooks/meta")),
        d360_webhook_url=str(server.make_url("/webhooks/360dialog")),
        twilio_webhook_url=str(server.make_url("/webhooks/twilio")),
        twilio_auth_token=TOKEN,
        twilio_account_sid=ACCOUNT,
        base_url="http://sandbox.test:8090",
        **overrides,
    )
    client: TestClient[Any, Any] = TestClient(TestServer(create_sandbox_app(config)))
    await client.start_server()
    return client


@pytest.mark.parametrize("kind", PHONE_KINDS)
def test_each_kind_is_shaped_as_the_cloud_api_sends_it(kind: str) -> None:
    fields = {
        "text": "hi",
        "latitude": 27.7,
        "longitude": 85.3,
        "reply_id": "r1",
        "title": "Yes",
        "payload": "YES",
        "reaction_to": "wamid.X",
        "emoji": "👍",
    }
    content = message_content(kind, fields)
    wire_type = {
        "button_reply": "interactive",
        "list_reply": "interactive",
        "quick_reply": "button",
    }
    assert content["type"] == wire_type.get(kind, kind)
    if kind != "unsupported":
        assert content[content["type"]]  # the type's own object (or the contacts list)
    else:
        assert content["errors"][0]["code"] == 131051


async def test_meta_and_360dialog_are_signed_their_way(doors: Any) -> None:
    _, got = doors
    client = await phone(doors, d360_webhook_secret="d360-secret")
    try:
        for provider in ("meta", "360dialog"):
            resp = await client.post(
                "/_sandbox/phone/send",
                json={
                    "from": "+9779841234567",
                    "provider": provider,
                    "kind": "image",
                    "caption": "Our group",
                    "reply_to": "wamid.EARLIER",
                    "phone_number_id": "42",
                },
            )
            assert (await resp.json())["webhook_status"] == 200
        (meta_path, meta_body, meta_headers), (d_path, d_body, d_headers) = got
        assert (meta_path, d_path) == ("/webhooks/meta", "/webhooks/360dialog")
        assert meta_headers["X-Hub-Signature-256"] == meta_signature(meta_body, "app-secret")
        assert d_headers["x-360dialog-signature"] == d360_signature(d_body, "d360-secret")
        assert "X-Hub-Signature-256" not in d_headers
        value = json.loads(d_body)["entry"][0]["changes"][0]["value"]
        [message] = value["messages"]
        assert value["metadata"]["phone_number_id"] == "42"
        assert message["image"]["id"].startswith("sandbox-media-")
        assert message["context"]["id"] == "wamid.EARLIER"
    finally:
        await client.close()


async def test_360dialog_without_a_secret_sends_no_signature(doors: Any) -> None:
    _, got = doors
    client = await phone(doors)
    try:
        await client.post(
            "/_sandbox/phone/send", json={"from": "+977984", "provider": "360dialog", "text": "hi"}
        )
        [(_, _, headers)] = got
        assert "x-360dialog-signature" not in {h.lower() for h in headers}
    finally:
        await client.close()


async def test_twilio_form_is_signed_as_twilio_signs(doors: Any) -> None:
    server, got = doors
    client = await phone(doors)
    try:
        resp = await client.post(
            "/_sandbox/phone/send",
            json={
                "from": "+9779841234567",
                "provider": "twilio",
                "kind": "image",
                "caption": "Summit",
                "repeat": 2,
            },
        )
        answer = await resp.json()
        assert len(answer["deliveries"]) == 2 and len(got) == 2
        assert got[0][1] == got[1][1]  # a retry is the same bytes
        path, body, headers = got[0]
        params = dict(parse_qsl(body.decode()))
        url = str(server.make_url(path))
        assert RequestValidator(TOKEN).validate(url, params, headers["X-Twilio-Signature"])
        assert headers["Content-Type"] == "application/x-www-form-urlencoded"
        sid = params["MessageSid"]
        assert answer["message_id"] == sid and sid.startswith("SM")
        assert (params["From"], params["To"]) == (
            "whatsapp:+9779841234567",
            "whatsapp:+14155238886",
        )
        assert params["MediaUrl0"].startswith(
            f"http://sandbox.test:8090/2010-04-01/Accounts/{ACCOUNT}/Messages/{sid}/Media/ME"
        )
        assert (params["NumMedia"], params["Body"], params["MessageType"]) == (
            "1",
            "Summit",
            "image",
        )
    finally:
        await client.close()


async def test_phone_refusals_are_json(doors: Any) -> None:
    client = await phone(doors)
    try:
        for body, fragment in (
            ({"from": "+977984", "provider": "fax", "text": "x"}, '"provider"'),
            ({"from": "+977984", "kind": "hologram"}, '"kind"'),
            ({"from": "+977984", "kind": "location"}, '"latitude"'),
            ({"from": "+977984", "provider": "twilio", "kind": "order"}, "for twilio"),
            ({"from": "+977984", "text": "x", "repeat": 0}, '"repeat"'),
        ):
            resp = await client.post("/_sandbox/phone/send", json=body)
            answer = await resp.json()
            assert resp.status == 400 and fragment in answer["error"]["message"], answer
    finally:
        await client.close()


def test_the_phone_knocks_on_the_default_channels_door_when_no_provider_is_named(
    monkeypatch: Any,
) -> None:
    from waops_sandbox.__main__ import config_from_env

    for waops_provider, door in (
        ("sandbox", "meta"),
        ("twilio", "twilio"),
        ("360dialog", "360dialog"),
    ):
        monkeypatch.setenv("WAOPS_PROVIDER", waops_provider)
        assert config_from_env().phone_provider == door
