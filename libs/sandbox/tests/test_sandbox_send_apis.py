"""The sandbox's send APIs: Meta's Graph API, 360dialog and Twilio, each in its own wire
format, with faults per provider and automatic status callbacks."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

import pytest
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from waops_sandbox import SandboxConfig, create_sandbox_app
from waops_sandbox.faults import MISBEHAVIOUR
from waops_testing.poll import eventually

TOKEN, PHONE_ID, D360_KEY = "tok", "109876543210", "d360-key"
SID, AUTH_TOKEN, SENDER = "AC" + "1" * 32, "twilio-token", "+14155238886"
GRAPH = f"/v21.0/{PHONE_ID}/messages"
GRAPH_AUTH = {"Authorization": f"Bearer {TOKEN}"}
D360_AUTH = {"D360-API-KEY": D360_KEY}
TWILIO = f"/2010-04-01/Accounts/{SID}/Messages.json"
TWILIO_AUTH = {
    "Authorization": "Basic " + base64.b64encode(f"{SID}:{AUTH_TOKEN}".encode()).decode()
}
TO = "9779841234567"

KINDS: dict[str, dict[str, Any]] = {
    "text": {"type": "text", "text": {"body": "Namaste"}},
    "image_link": {"type": "image", "image": {"link": "https://cdn.example/a.jpg", "caption": "c"}},
    "document_id": {"type": "document", "document": {"id": "1234", "filename": "t.pdf"}},
    "audio_id": {"type": "audio", "audio": {"id": "99"}},
    "sticker_link": {"type": "sticker", "sticker": {"link": "https://cdn.example/s.webp"}},
    "video_link": {"type": "video", "video": {"link": "https://cdn.example/v.mp4"}},
    "template": {
        "type": "template",
        "template": {
            "name": "booking_confirmed",
            "language": {"code": "en_US"},
            "components": [
                {
                    "type": "header",
                    "parameters": [{"type": "image", "image": {"link": "https://x/i.png"}}],
                },
                {"type": "body", "parameters": [{"type": "text", "text": "Asha"}]},
                {
                    "type": "button",
                    "sub_type": "quick_reply",
                    "index": "0",
                    "parameters": [{"type": "payload", "payload": "YES"}],
                },
            ],
        },
    },
    "buttons": {
        "type": "interactive",
        "interactive": {
            "type": "button",
            "body": {"text": "When?"},
            "action": {
                "buttons": [
                    {"type": "reply", "reply": {"id": "am", "title": "Morning"}},
                    {"type": "reply", "reply": {"id": "pm", "title": "Evening"}},
                ]
            },
        },
    },
    "list": {
        "type": "interactive",
        "interactive": {
            "type": "list",
            "header": {"type": "text", "text": "Treks"},
            "body": {"text": "Pick a trek"},
            "footer": {"text": "Namaste"},
            "action": {
                "button": "Choose",
                "sections": [
                    {
                        "title": "Everest",
                        "rows": [{"id": "ebc", "title": "EBC", "description": "14 days"}],
                    },
                    {"title": "Annapurna", "rows": [{"id": "abc", "title": "ABC"}]},
                ],
            },
        },
    },
}
BAD: dict[str, dict[str, Any]] = {
    "media_both": {"type": "image", "image": {"id": "1", "link": "https://x/y.jpg"}},
    "media_none": {"type": "image", "image": {"caption": "no source"}},
    "template_no_language": {"type": "template", "template": {"name": "t"}},
    "template_bad_component": {
        "type": "template",
        "template": {"name": "t", "language": {"code": "en"}, "components": [{"type": "nope"}]},
    },
    "four_buttons": {
        "type": "interactive",
        "interactive": {
            "type": "button",
            "body": {"text": "b"},
            "action": {
                "buttons": [
                    {"type": "reply", "reply": {"id": str(i), "title": f"t{i}"}} for i in range(4)
                ]
            },
        },
    },
    "long_button_title": {
        "type": "interactive",
        "interactive": {
            "type": "button",
            "body": {"text": "b"},
            "action": {"buttons": [{"type": "reply", "reply": {"id": "1", "title": "x" * 21}}]},
        },
    },
    "list_eleven_rows": {
        "type": "interactive",
        "interactive": {
            "type": "list",
            "body": {"text": "b"},
            "action": {
                "button": "Choose",
                "sections": [{"rows": [{"id": str(i), "title": f"r{i}"} for i in range(11)]}],
            },
        },
    },
    "interactive_no_body": {
        "type": "interactive",
        "interactive": {"type": "button", "action": {"buttons": []}},
    },
}


def cloud(kind: dict[str, Any]) -> dict[str, Any]:
    return {"messaging_product": "whatsapp", "recipient_type": "individual", "to": TO, **kind}


@pytest_asyncio.fixture
async def receiver() -> AsyncIterator[tuple[TestServer, list[tuple[str, bytes]]]]:
    """Stands in for the adapter's three webhook endpoints."""
    got: list[tuple[str, bytes]] = []

    async def hook(request: web.Request) -> web.Response:
        got.append((request.path, await request.read()))
        return web.json_response({"status": "ok"})

    app = web.Application()
    for path in ("/webhooks/meta", "/webhooks/360dialog", "/webhooks/twilio"):
        app.router.add_post(path, hook)
    server = TestServer(app)
    await server.start_server()
    yield server, got
    await server.close()


@pytest_asyncio.fixture
async def sandbox(receiver: Any) -> AsyncIterator[TestClient[Any, Any]]:
    server, _ = receiver
    config = SandboxConfig(
        access_token=TOKEN,
        app_secret="secret",
        phone_number_id=PHONE_ID,
        display_phone_number="+977 1 5550100",
        webhook_url=str(server.make_url("/webhooks/meta")),
        d360_api_key=D360_KEY,
        d360_webhook_url=str(server.make_url("/webhooks/360dialog")),
        twilio_account_sid=SID,
        twilio_auth_token=AUTH_TOKEN,
        twilio_whatsapp_number=SENDER,
        twilio_webhook_url=str(server.make_url("/webhooks/twilio")),
    )
    client: TestClient[Any, Any] = TestClient(TestServer(create_sandbox_app(config)))
    await client.start_server()
    yield client
    await client.close()


async def sent(sandbox: Any) -> list[dict[str, Any]]:
    return list(await (await sandbox.get("/_sandbox/sent")).json())


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize(
    ("path", "auth", "provider"),
    [(GRAPH, GRAPH_AUTH, "meta"), ("/messages", D360_AUTH, "360dialog")],
)
async def test_cloud_api_sends_of_every_kind_are_accepted_and_recorded(
    sandbox: Any, kind: str, path: str, auth: dict[str, str], provider: str
) -> None:
    resp = await sandbox.post(path, json=cloud(KINDS[kind]), headers=auth)
    assert resp.status == 200, await resp.text()
    wamid = (await resp.json())["messages"][0]["id"]
    [record] = await sent(sandbox)
    assert record["id"] == wamid and record["provider"] == provider and record["to"] == TO
    assert record["type"] == KINDS[kind]["type"]
    assert record["request"] == cloud(KINDS[kind])
    if kind == "text":
        assert record["body"] == "Namaste"
    if kind == "list":
        assert record["body"] == "Pick a trek"


@pytest.mark.parametrize("bad", sorted(BAD))
@pytest.mark.parametrize(("path", "auth"), [(GRAPH, GRAPH_AUTH), ("/messages", D360_AUTH)])
async def test_invalid_cloud_api_sends_are_refused_with_code_100(
    sandbox: Any, bad: str, path: str, auth: dict[str, str]
) -> None:
    resp = await sandbox.post(path, json=cloud(BAD[bad]), headers=auth)
    assert resp.status == 400
    assert (await resp.json())["error"]["code"] == 100
    assert await sent(sandbox) == []


async def test_mark_as_read_through_both_cloud_apis(sandbox: Any) -> None:
    read = {"messaging_product": "whatsapp", "status": "read", "message_id": "wamid.IN1"}
    for path, auth in ((GRAPH, GRAPH_AUTH), ("/messages", D360_AUTH)):
        resp = await sandbox.post(path, json=read, headers=auth)
        assert await resp.json() == {"success": True}
    assert [(r["provider"], r["type"], r["id"]) for r in await sent(sandbox)] == [
        ("meta", "read", "wamid.IN1"),
        ("360dialog", "read", "wamid.IN1"),
    ]


async def test_360dialog_needs_its_api_key(sandbox: Any) -> None:
    for headers in ({}, {"D360-API-KEY": "wrong"}, GRAPH_AUTH):
        resp = await sandbox.post("/messages", json=cloud(KINDS["text"]), headers=headers)
        assert resp.status == 401
    assert await sent(sandbox) == []


def form(**fields: Any) -> dict[str, Any]:
    return {"From": f"whatsapp:{SENDER}", "To": f"whatsapp:+{TO}", **fields}


async def test_twilio_accepts_text_media_and_content_templates(sandbox: Any) -> None:
    text = await sandbox.post(TWILIO, data=form(Body="Namaste"), headers=TWILIO_AUTH)
    assert text.status == 201
    message = await text.json()
    assert message["sid"].startswith("SM") and len(message["sid"]) == 34
    assert message["status"] == "queued" and message["direction"] == "outbound-api"
    assert message["to"] == f"whatsapp:+{TO}" and message["from"] == f"whatsapp:{SENDER}"
    assert message["account_sid"] == SID and message["body"] == "Namaste"
    media = await sandbox.post(
        TWILIO,
        data=[*form().items(), ("MediaUrl", "https://cdn.example/a.jpg"), ("Body", "caption")],
        headers=TWILIO_AUTH,
    )
    assert media.status == 201 and (await media.json())["num_media"] == "1"
    content = await sandbox.post(
        TWILIO,
        data=form(
            ContentSid="HX" + "a" * 32,
            ContentVariables='{"1": "Asha"}',
            StatusCallback="https://waops.example/webhooks/twilio",
        ),
        headers=TWILIO_AUTH,
    )
    assert content.status == 201
    records = await sent(sandbox)
    assert [(r["provider"], r["type"]) for r in records] == [
        ("twilio", "text"),
        ("twilio", "media"),
        ("twilio", "template"),
    ]
    assert records[0]["body"] == "Namaste" and records[0]["to"] == TO
    assert records[1]["media_urls"] == ["https://cdn.example/a.jpg"]
    assert records[2]["content_variables"] == {"1": "Asha"}
    assert records[2]["status_callback"] == "https://waops.example/webhooks/twilio"


@pytest.mark.parametrize(
    ("fields", "status", "code"),
    [
        ({"Body": "x", "To": "+9779841234567"}, 400, 21211),  # not a whatsapp: address
        ({"Body": "x", "To": None}, 400, 21604),
        ({"Body": "x", "From": "whatsapp:+15005550006"}, 400, 63007),  # not our sender
        ({}, 400, 21602),  # nothing to send
        ({"Body": "x" * 1601}, 400, 21617),
        ({"MediaUrl": "ftp://x/y.jpg"}, 400, 21620),
        ({"ContentVariables": '{"1": "a"}'}, 400, 21656),  # variables without a sid
        ({"ContentSid": "HX" + "a" * 32, "ContentVariables": "[1]"}, 400, 21656),
    ],
)
async def test_twilio_refusals_use_its_error_body(
    sandbox: Any, fields: dict[str, Any], status: int, code: int
) -> None:
    data = {k: v for k, v in form(**fields).items() if v is not None}
    resp = await sandbox.post(TWILIO, data=data, headers=TWILIO_AUTH)
    assert resp.status == status
    body = await resp.json()
    assert body["code"] == code and body["status"] == status
    assert body["more_info"] == f"https://www.twilio.com/docs/errors/{code}"
    assert isinstance(body["message"], str) and body["message"]


async def test_twilio_needs_basic_auth_of_the_account(sandbox: Any) -> None:
    wrong = {"Authorization": "Basic " + base64.b64encode(f"{SID}:nope".encode()).decode()}
    resp = await sandbox.post(TWILIO, data=form(Body="x"), headers=wrong)
    assert resp.status == 401 and (await resp.json())["code"] == 20003
    other = TWILIO.replace(SID, "AC" + "2" * 32)
    resp = await sandbox.post(other, data=form(Body="x"), headers=TWILIO_AUTH)
    assert resp.status == 404 and (await resp.json())["code"] == 20404


async def test_faults_hit_only_their_provider(sandbox: Any) -> None:
    await sandbox.post("/_sandbox/faults", json={"provider": "twilio", "error_code": 63016})
    await sandbox.post("/_sandbox/faults", json={"provider": "360dialog", "status": 429})
    await sandbox.post("/_sandbox/faults", json={"provider": "meta", "error_code": 130429})
    assert len(await (await sandbox.get("/_sandbox/faults")).json()) == 3
    graph = await sandbox.post(GRAPH, json=cloud(KINDS["text"]), headers=GRAPH_AUTH)
    assert graph.status == 400 and (await graph.json())["error"]["code"] == 130429
    d360 = await sandbox.post("/messages", json=cloud(KINDS["text"]), headers=D360_AUTH)
    assert d360.status == 429 and (await d360.json())["error"]["code"] == 4
    twilio = await sandbox.post(TWILIO, data=form(Body="x"), headers=TWILIO_AUTH)
    assert twilio.status == 400 and (await twilio.json())["code"] == 63016
    twilio_5xx = await sandbox.post("/_sandbox/faults", json={"provider": "twilio", "status": 503})
    assert twilio_5xx.status == 200
    again = await sandbox.post(TWILIO, data=form(Body="x"), headers=TWILIO_AUTH)
    assert again.status == 503 and (await again.json())["code"] == 20503
    assert await (await sandbox.get("/_sandbox/faults")).json() == []
    assert await sent(sandbox) == []


async def test_bad_fault_and_status_configs_are_refused(sandbox: Any) -> None:
    for body in ({"provider": "telegram"}, {"times": 0}, {"status": "x"}):
        resp = await sandbox.post("/_sandbox/faults", json=body)
        assert resp.status == 400 and "error" in await resp.json()
    resp = await sandbox.post("/_sandbox/statuses", json={"mode": "sometimes"})
    assert resp.status == 400


async def test_status_callbacks_follow_each_send(sandbox: Any) -> None:
    """With a recording deliverer in place of the phone's, the plan alone is under test."""
    played: list[tuple[str, str, str]] = []

    async def record(
        app: web.Application, sent: dict[str, Any], status: str, copies: int
    ) -> list[dict[str, Any]]:
        played.extend([(sent["provider"], sent["id"], status)] * copies)
        return [{"webhook_status": 200}] * copies

    sandbox.server.app[MISBEHAVIOUR].deliverer = record
    for mode, expected in (
        ("in_order", ["sent", "delivered", "read"]),
        ("duplicated", ["sent", "sent", "delivered", "delivered", "read", "read"]),
    ):
        played.clear()
        await sandbox.post("/_sandbox/statuses", json={"mode": mode})
        resp = await sandbox.post(GRAPH, json=cloud(KINDS["text"]), headers=GRAPH_AUTH)
        wamid = (await resp.json())["messages"][0]["id"]

        async def done(n: int = len(expected)) -> bool:
            return len(played) >= n

        await eventually(done, what=f"{mode} statuses")
        assert played == [("meta", wamid, s) for s in expected]
    played.clear()
    await sandbox.post("/_sandbox/statuses", json={"mode": "shuffled"})
    resp = await sandbox.post(TWILIO, data=form(Body="x"), headers=TWILIO_AUTH)
    sid = (await resp.json())["sid"]
    await eventually(lambda: _at_least(played, 3), what="shuffled statuses")
    assert sorted(s for _, _, s in played) == ["delivered", "read", "sent"]
    assert [s for _, _, s in played] != ["sent", "delivered", "read"]
    assert {(p, i) for p, i, _ in played} == {("twilio", sid)}
    state = await (await sandbox.get("/_sandbox/statuses")).json()
    assert state["mode"] == "shuffled" and len(state["delivered"]) == 3 + 6 + 3


async def _at_least(items: list[Any], n: int) -> bool:
    return len(items) >= n


async def test_status_callbacks_are_off_by_default(sandbox: Any) -> None:
    await sandbox.post(GRAPH, json=cloud(KINDS["text"]), headers=GRAPH_AUTH)
    state = await (await sandbox.get("/_sandbox/statuses")).json()
    assert state == {"mode": "off", "delay": 0.0, "delivered": []}


async def test_status_callbacks_reach_the_adapter_in_each_provider_format(
    sandbox: Any, receiver: Any
) -> None:
    _, got = receiver
    await sandbox.post("/_sandbox/statuses", json={"mode": "duplicated"})
    graph = await sandbox.post(GRAPH, json=cloud(KINDS["text"]), headers=GRAPH_AUTH)
    d360 = await sandbox.post("/messages", json=cloud(KINDS["text"]), headers=D360_AUTH)
    twilio = await sandbox.post(TWILIO, data=form(Body="x"), headers=TWILIO_AUTH)
    ids = {
        "/webhooks/meta": (await graph.json())["messages"][0]["id"],
        "/webhooks/360dialog": (await d360.json())["messages"][0]["id"],
        "/webhooks/twilio": (await twilio.json())["sid"],
    }
    await eventually(lambda: _at_least(got, 18), what="3 statuses × 2 copies × 3 providers")
    for path, message_id in ids.items():
        bodies = [body for p, body in got if p == path]
        assert len(bodies) == 6
        assert bodies[0] == bodies[1]  # the same webhook twice, byte for byte
        if path == "/webhooks/twilio":
            params = [dict(parse_qsl(b.decode())) for b in bodies[::2]]
            assert [p["MessageSid"] for p in params] == [message_id] * 3
            assert [p["MessageStatus"] for p in params] == ["sent", "delivered", "read"]
        else:
            statuses = [
                json.loads(b)["entry"][0]["changes"][0]["value"]["statuses"][0] for b in bodies[::2]
            ]
            assert [(s["id"], s["status"]) for s in statuses] == [
                (message_id, "sent"),
                (message_id, "delivered"),
                (message_id, "read"),
            ]
            assert statuses[0]["recipient_id"] == TO


# ------------------------------------------------------------- customer-service window


async def enforce(sandbox: Any, **extra: Any) -> None:
    resp = await sandbox.post("/_sandbox/window", json={"enforce": True, **extra})
    assert resp.status == 200 and (await resp.json())["enforce"] is True


async def test_the_window_is_not_enforced_unless_asked(sandbox: Any) -> None:
    assert (await (await sandbox.get("/_sandbox/window")).json())["enforce"] is False
    resp = await sandbox.post(GRAPH, json=cloud(KINDS["text"]), headers=GRAPH_AUTH)
    assert resp.status == 200


@pytest.mark.parametrize(("path", "auth"), [(GRAPH, GRAPH_AUTH), ("/messages", D360_AUTH)])
async def test_cloud_apis_refuse_free_form_outside_the_window_with_131047(
    sandbox: Any, path: str, auth: dict[str, str]
) -> None:
    await enforce(sandbox)
    for kind in ("text", "image_link", "buttons", "list"):
        resp = await sandbox.post(path, json=cloud(KINDS[kind]), headers=auth)
        assert resp.status == 400
        error = (await resp.json())["error"]
        assert (error["code"], error["message"]) == (131047, "(#131047) Re-engagement message")
        assert "24 hours" in error["error_data"]["details"] and error["fbtrace_id"]
    template = await sandbox.post(path, json=cloud(KINDS["template"]), headers=auth)
    assert template.status == 200  # a template goes anywhere
    read = {"messaging_product": "whatsapp", "status": "read", "message_id": "wamid.IN1"}
    assert (await sandbox.post(path, json=read, headers=auth)).status == 200
    assert [r["type"] for r in await sent(sandbox)] == ["template", "read"]
    refused = (await (await sandbox.get("/_sandbox/window")).json())["refused"]
    assert [r["type"] for r in refused] == ["text", "image", "interactive", "interactive"]


async def test_twilio_refuses_free_form_outside_the_window_with_63016(sandbox: Any) -> None:
    await enforce(sandbox)
    text = await sandbox.post(TWILIO, data=form(Body="Namaste"), headers=TWILIO_AUTH)
    assert text.status == 400
    error = await text.json()
    assert error["code"] == 63016 and error["status"] == 400
    assert "outside the allowed window" in error["message"]
    assert error["more_info"] == "https://www.twilio.com/docs/errors/63016"
    content = await sandbox.post(
        TWILIO,
        data=form(ContentSid="HX" + "a" * 32, ContentVariables='{"1": "Namaste"}'),
        headers=TWILIO_AUTH,
    )
    assert content.status == 201
    [record] = await sent(sandbox)
    assert record["content_variables"] == {"1": "Namaste"}


@pytest.mark.parametrize("provider", ["meta", "360dialog", "twilio"])
async def test_a_message_from_the_phone_opens_the_window_for_24_hours(
    sandbox: Any, provider: str
) -> None:
    await enforce(sandbox)
    stale = int((datetime.now(UTC) - timedelta(hours=25)).timestamp())
    wrote = await sandbox.post(
        "/_sandbox/phone/send",
        json={"from": f"+{TO}", "text": "hi", "provider": provider, "timestamp": stale},
    )
    assert wrote.status == 200, await wrote.text()
    graph = await sandbox.post(GRAPH, json=cloud(KINDS["text"]), headers=GRAPH_AUTH)
    assert (await graph.json())["error"]["code"] == 131047  # 25 hours ago: closed
    await sandbox.post(
        "/_sandbox/phone/send", json={"from": f"+{TO}", "text": "hi again", "provider": provider}
    )
    assert (await sandbox.post(GRAPH, json=cloud(KINDS["text"]), headers=GRAPH_AUTH)).status == 200
    d360 = await sandbox.post("/messages", json=cloud(KINDS["buttons"]), headers=D360_AUTH)
    assert d360.status == 200
    twilio = await sandbox.post(TWILIO, data=form(Body="Namaste"), headers=TWILIO_AUTH)
    assert twilio.status == 201
    # An older message arriving later does not close it again; another phone's stays shut.
    await sandbox.post(
        "/_sandbox/phone/send",
        json={"from": f"+{TO}", "text": "late", "provider": provider, "timestamp": stale},
    )
    assert (await sandbox.post(GRAPH, json=cloud(KINDS["text"]), headers=GRAPH_AUTH)).status == 200
    other = await sandbox.post(
        GRAPH, json={**cloud(KINDS["text"]), "to": "9779800000009"}, headers=GRAPH_AUTH
    )
    assert (await other.json())["error"]["code"] == 131047
    state = await (await sandbox.get("/_sandbox/window")).json()
    assert list(state["last_inbound"]) == [TO]


async def test_the_window_length_can_be_set_and_turned_off(sandbox: Any) -> None:
    await sandbox.post("/_sandbox/phone/send", json={"from": f"+{TO}", "text": "hi"})
    await enforce(sandbox, hours=0.0001)  # under half a second

    async def closed() -> bool:
        resp = await sandbox.post(GRAPH, json=cloud(KINDS["text"]), headers=GRAPH_AUTH)
        return resp.status == 400

    await eventually(closed, what="the short window to close")
    await sandbox.post("/_sandbox/window", json={"enforce": False})
    assert (await sandbox.post(GRAPH, json=cloud(KINDS["text"]), headers=GRAPH_AUTH)).status == 200


@pytest.mark.parametrize(
    "body",
    [{}, {"enforce": "yes"}, {"enforce": True, "hours": 0}, {"enforce": True, "hours": "x"}, []],
)
async def test_window_settings_are_checked(sandbox: Any, body: Any) -> None:
    resp = await sandbox.post("/_sandbox/window", json=body)
    assert resp.status == 400 and (await resp.json())["error"]["code"] == "BAD_REQUEST"


async def test_a_phone_timestamp_must_be_unix_seconds(sandbox: Any) -> None:
    resp = await sandbox.post(
        "/_sandbox/phone/send", json={"from": f"+{TO}", "text": "hi", "timestamp": "soon"}
    )
    assert resp.status == 400
