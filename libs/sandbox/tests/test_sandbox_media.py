"""The sandbox hosts media the way the Graph API, 360dialog and Twilio do."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer
from waops_sandbox import SandboxConfig, create_sandbox_app
from yarl import URL

TOKEN, PHONE_ID, D360_KEY = "tok", "109876543210", "d360-key"
SID, AUTH_TOKEN = "AC" + "1" * 32, "twilio-token"
BEARER = {"Authorization": f"Bearer {TOKEN}"}
D360 = {"D360-API-KEY": D360_KEY}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest_asyncio.fixture
async def sandbox() -> AsyncIterator[TestClient[Any, Any]]:
    config = SandboxConfig(
        access_token=TOKEN,
        app_secret="secret",
        phone_number_id=PHONE_ID,
        display_phone_number="+977 1 5550100",
        d360_api_key=D360_KEY,
        twilio_account_sid=SID,
        twilio_auth_token=AUTH_TOKEN,
    )
    client: TestClient[Any, Any] = TestClient(TestServer(create_sandbox_app(config)))
    await client.start_server()
    yield client
    await client.close()


async def put(sandbox: Any, media_id: str, content: bytes, mime: str) -> dict[str, Any]:
    resp = await sandbox.post(
        f"/_sandbox/media?id={media_id}", data=content, headers={"Content-Type": mime}
    )
    assert resp.status == 200
    answer: dict[str, Any] = await resp.json()
    return answer


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": aiohttp.encode_basic_auth(user, password)}


def local(sandbox: Any, url: str) -> str:
    """A URL the sandbox handed out, as a path on the test client."""
    return URL(url).raw_path_qs


async def test_graph_lookup_then_download_with_the_bearer(sandbox: Any) -> None:
    content = b"%PDF-1.4 itinerary"
    await put(sandbox, "778899", content, "application/pdf")
    resp = await sandbox.get("/v21.0/778899", headers=BEARER)
    assert resp.status == 200
    meta = await resp.json()
    assert meta == {
        "messaging_product": "whatsapp",
        "url": meta["url"],
        "mime_type": "application/pdf",
        "sha256": hashlib.sha256(content).hexdigest(),
        "file_size": len(content),
        "id": "778899",
    }
    assert URL(meta["url"]).host == "127.0.0.1"  # served by the sandbox itself
    assert (await sandbox.get(local(sandbox, meta["url"]))).status == 401  # bearer needed
    download = await sandbox.get(local(sandbox, meta["url"]), headers=BEARER)
    assert download.status == 200 and download.content_type == "application/pdf"
    assert await download.read() == content
    forged = local(sandbox, meta["url"]).replace("hash=", "hash=0")
    assert (await sandbox.get(forged, headers=BEARER)).status == 404


async def test_graph_refuses_a_wrong_token_and_an_unknown_id(sandbox: Any) -> None:
    resp = await sandbox.get("/v21.0/778899", headers={"Authorization": "Bearer nope"})
    assert resp.status == 401 and (await resp.json())["error"]["code"] == 190
    resp = await sandbox.get("/v21.0/no-such-media", headers=BEARER)
    error = (await resp.json())["error"]
    assert resp.status == 400 and error["code"] == 100 and error["error_subcode"] == 33


async def test_sample_ids_hold_a_deterministic_png(sandbox: Any) -> None:
    async def sample(n: int) -> bytes:
        meta = await (await sandbox.get(f"/v21.0/sandbox-media-{n}", headers=BEARER)).json()
        assert meta["mime_type"] == "image/png"
        body: bytes = await (await sandbox.get(local(sandbox, meta["url"]), headers=BEARER)).read()
        assert hashlib.sha256(body).hexdigest() == meta["sha256"]
        return body

    first = await sample(1)
    assert first.startswith(PNG_SIGNATURE) and first[12:16] == b"IHDR"
    assert await sample(1) == first
    assert await sample(2) != first


async def test_graph_upload_is_multipart_and_answers_an_id(sandbox: Any) -> None:
    form = aiohttp.FormData()
    form.add_field("messaging_product", "whatsapp")
    form.add_field("type", "image/jpeg")
    form.add_field("file", b"\xff\xd8\xff jpeg", filename="trek.jpg", content_type="image/jpeg")
    resp = await sandbox.post(f"/v21.0/{PHONE_ID}/media", data=form, headers=BEARER)
    assert resp.status == 200
    media_id = (await resp.json())["id"]
    assert media_id.isdigit()
    meta = await (await sandbox.get(f"/v21.0/{media_id}", headers=BEARER)).json()
    assert meta["mime_type"] == "image/jpeg" and meta["file_size"] == len(b"\xff\xd8\xff jpeg")

    bad = aiohttp.FormData()
    bad.add_field("file", b"x", filename="x.jpg", content_type="image/jpeg")
    resp = await sandbox.post(f"/v21.0/{PHONE_ID}/media", data=bad, headers=BEARER)
    assert resp.status == 400 and (await resp.json())["error"]["code"] == 100


async def test_360dialog_url_is_metas_and_downloads_from_the_360dialog_host(sandbox: Any) -> None:
    content = b"OggS voice note"
    await put(sandbox, "d360-media-1", content, "audio/ogg")
    assert (await sandbox.get("/d360-media-1")).status == 401
    resp = await sandbox.get("/d360-media-1", headers=D360)
    assert resp.status == 200
    meta = await resp.json()
    url = URL(meta["url"])
    assert url.host == "lookaside.fbsbx.com" and url.path == "/whatsapp_business/attachments/"
    assert url.query["mid"] == "d360-media-1"
    # 360dialog's rule: same path and query, on the 360dialog host, with the API key.
    assert (await sandbox.get(url.raw_path_qs)).status == 401
    download = await sandbox.get(url.raw_path_qs, headers=D360)
    assert download.status == 200 and await download.read() == content

    form = aiohttp.FormData()
    form.add_field("messaging_product", "whatsapp")
    form.add_field("file", b"%PDF", filename="a.pdf", content_type="application/pdf")
    resp = await sandbox.post("/media", data=form, headers=D360)
    assert resp.status == 200 and (await resp.json())["id"].isdigit()


async def test_twilio_media_needs_basic_auth_and_redirects(sandbox: Any) -> None:
    content = b"\xff\xd8\xff passport scan"
    media_sid = "ME" + "a" * 32
    await put(sandbox, media_sid, content, "image/jpeg")
    path = f"/2010-04-01/Accounts/{SID}/Messages/MM{'b' * 32}/Media/{media_sid}"
    resp = await sandbox.get(path, headers=basic(SID, "wrong"))
    assert resp.status == 401 and (await resp.json())["code"] == 20003
    resp = await sandbox.get(path, headers=basic(SID, AUTH_TOKEN), allow_redirects=False)
    assert resp.status == 307
    location = resp.headers["Location"]
    cdn = await sandbox.get(local(sandbox, location))  # the short-lived URL needs no auth
    assert cdn.status == 200 and cdn.content_type == "image/jpeg" and await cdn.read() == content
    followed = await sandbox.get(path, headers=basic(SID, AUTH_TOKEN))
    assert followed.status == 200 and await followed.read() == content
    missing = f"/2010-04-01/Accounts/{SID}/Messages/MM{'b' * 32}/Media/ME{'c' * 32}"
    resp = await sandbox.get(missing, headers=basic(SID, AUTH_TOKEN))
    assert resp.status == 404 and (await resp.json())["code"] == 20404


async def test_faults_fail_or_slow_the_next_lookups_of_an_id(sandbox: Any) -> None:
    resp = await sandbox.post(
        "/_sandbox/media/faults", json={"id": "sandbox-media-7", "status": 500, "times": 2}
    )
    assert resp.status == 200
    for _ in range(2):
        resp = await sandbox.get("/v21.0/sandbox-media-7", headers=BEARER)
        assert resp.status == 500 and (await resp.json())["error"]["code"] == 2
    assert (await sandbox.get("/v21.0/sandbox-media-7", headers=BEARER)).status == 200

    await sandbox.post("/_sandbox/media/faults", json={"id": "sandbox-media-8", "status": 404})
    assert (await sandbox.get("/sandbox-media-8", headers=D360)).status == 404
    await sandbox.post("/_sandbox/media/faults", json={"id": "sandbox-media-9", "delay": 0.01})
    assert (await sandbox.get("/v21.0/sandbox-media-9", headers=BEARER)).status == 200
    seen = await (await sandbox.get("/_sandbox/media/requests?id=sandbox-media-7")).json()
    assert len(seen) == 3

    resp = await sandbox.post("/_sandbox/media/faults", json={"status": 500})
    assert resp.status == 400 and "error" in await resp.json()


async def test_media_routes_leave_the_other_routes_alone(sandbox: Any) -> None:
    assert (await sandbox.get("/healthz")).status == 200
    assert (await sandbox.get("/_sandbox/sent")).status == 200
    put_answer = await put(sandbox, "x1", b"hello", "text/plain")
    assert put_answer["sha256"] == hashlib.sha256(b"hello").hexdigest()
    assert (await (await sandbox.get("/_sandbox/media/x1")).json())["file_size"] == 5
    await sandbox.delete("/_sandbox/media")
    assert (await sandbox.get("/_sandbox/media/x1")).status == 404


async def test_chunked_media_is_served_without_any_size(sandbox: Any) -> None:
    content = b"\xff" * 50_000
    resp = await sandbox.post(
        "/_sandbox/media?id=big&chunked=1", data=content, headers={"Content-Type": "image/jpeg"}
    )
    assert resp.status == 200
    meta = await (await sandbox.get("/v21.0/big", headers=BEARER)).json()
    assert "file_size" not in meta
    download = await sandbox.get(local(sandbox, meta["url"]), headers=BEARER)
    assert "Content-Length" not in download.headers
    assert download.headers["Transfer-Encoding"] == "chunked"
    assert await download.read() == content
