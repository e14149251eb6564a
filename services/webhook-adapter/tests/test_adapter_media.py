"""Inbound media end to end: the real adapter (its database, its broker vhost, its fetcher)
fetching from the sandbox as Meta, 360dialog and Twilio serve media, storing the bytes,
publishing media.stored / media.failed, and serving them at GET /v1/media/{ref}."""

from __future__ import annotations

import contextlib
import hashlib
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer
from cryptography.fernet import Fernet
from waops_contracts import Envelope
from waops_contracts.events import MediaFailed, MediaStored, MessageReceived
from waops_sandbox import SandboxConfig, create_sandbox_app, encode, sign
from waops_sandbox.meta_payloads import message_content, message_webhook
from waops_service_kit import RUNTIME
from waops_testing.plugin import Isolated
from waops_testing.poll import eventually
from waops_testing.services import EventTap, running_service, service_db, settings_for
from webhook_adapter.adapters.media.store import LocalMediaStore
from webhook_adapter.bootstrap import create_app
from webhook_adapter.handlers.media import register_inbound_media
from webhook_adapter.settings import AdapterSettings

TENANT = {"X-Waops-Tenant": "demo"}
PHONE_ID = "109876543210"
TWILIO_SID = "AC00000000000000000000000000000000"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 40 + b"\xff\xd9"


@pytest_asyncio.fixture
async def sandbox() -> AsyncIterator[TestClient[Any, Any]]:
    config = SandboxConfig(
        access_token="sandbox-access-token",
        app_secret="sandbox-app-secret",
        phone_number_id=PHONE_ID,
        display_phone_number="+977 1 5550100",
    )
    client: TestClient[Any, Any] = TestClient(TestServer(create_sandbox_app(config)))
    await client.start_server()
    yield client
    await client.close()


@dataclass
class Adapter:
    client: TestClient[Any, Any]
    db: asyncpg.Connection
    tap: EventTap
    media_dir: Path
    sandbox: TestClient[Any, Any]

    async def register(self, provider: str, media_id: str | None, **more: Any) -> str:
        engine = self.client.app[RUNTIME].engine
        async with engine.begin() as conn:
            return await register_inbound_media(
                conn,
                tenant_id=more.get("tenant_id", "demo"),
                channel_id=more.get("channel_id", PHONE_ID),
                provider=provider,
                provider_media_id=media_id,
                url=more.get("url"),
                mime_type=more.get("mime_type"),
                filename=more.get("filename"),
            )

    async def settled(self, ref: str, timeout: float = 20.0) -> asyncpg.Record:
        async def done() -> asyncpg.Record | None:
            row = await self.db.fetchrow("SELECT * FROM media WHERE ref = $1", ref)
            return row if row is not None and row["state"] != "pending" else None

        return await eventually(done, timeout=timeout, what=f"media {ref} to settle")

    async def event(self, event_type: str, ref: str) -> Envelope:
        return await self.tap.first(
            lambda e: e.type == event_type and e.data["ref"] == ref, what=f"{event_type} {ref}"
        )

    async def put(self, media_id: str, content: bytes, mime: str, **query: str) -> None:
        resp = await self.sandbox.post(
            "/_sandbox/media",
            params={"id": media_id, **query},
            data=content,
            headers={"Content-Type": mime},
        )
        assert resp.status == 200

    async def fault(self, media_id: str, **fault: Any) -> None:
        resp = await self.sandbox.post("/_sandbox/media/faults", json={"id": media_id, **fault})
        assert resp.status == 200

    async def sandbox_requests(self, media_id: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = await (
            await self.sandbox.get("/_sandbox/media/requests", params={"id": media_id})
        ).json()
        return found

    async def stored_bytes(self, ref: str) -> bytes:
        return await LocalMediaStore(self.media_dir).get(ref)


def folder_is_empty(folder: Path) -> bool:
    """It exists (a write was started in it) and holds no file."""
    return folder.is_dir() and not [p for p in folder.rglob("*") if p.is_file()]


StartAdapter = Callable[..., contextlib.AbstractAsyncContextManager[Adapter]]


@pytest.fixture
def start_adapter(isolated: Isolated, sandbox: Any, tmp_path: Path) -> StartAdapter:
    @contextlib.asynccontextmanager
    async def start(**overrides: Any) -> AsyncIterator[Adapter]:
        sandbox_url = str(sandbox.make_url("")).rstrip("/")
        media_dir = tmp_path / f"media-{uuid.uuid4().hex[:8]}"
        settings = settings_for(
            AdapterSettings,
            isolated,
            "webhook_adapter",
            meta_graph_url=sandbox_url,
            d360_api_url=sandbox_url,
            media_dir=str(media_dir),
            media_retry_backoff=0.05,
            media_fetch_timeout=10.0,
        ).model_copy(update=overrides)
        types = (MediaStored.event_type, MediaFailed.event_type, MessageReceived.event_type)
        async with (
            EventTap(isolated.amqp_url, *types) as tap,
            running_service(create_app, settings) as client,
            service_db(isolated, "webhook_adapter") as db,
        ):
            yield Adapter(client, db, tap, media_dir, sandbox)

    return start


async def test_meta_media_is_fetched_stored_announced_and_served(
    start_adapter: StartAdapter,
) -> None:
    async with start_adapter() as adapter:
        await adapter.put("1013859600285441", JPEG, "image/jpeg")
        ref = await adapter.register("meta", "1013859600285441", mime_type="image/jpeg")
        assert ref.startswith("media_") and len(ref) == len("media_") + 32

        row = await adapter.settled(ref)
        sha = hashlib.sha256(JPEG).hexdigest()
        assert (row["state"], row["mime_type"], row["size_bytes"], row["sha256"]) == (
            "stored",
            "image/jpeg",
            len(JPEG),
            sha,
        )
        assert row["attempts"] == 1 and row["storage_key"] == ref
        assert await adapter.stored_bytes(ref) == JPEG

        stored = await adapter.event(MediaStored.event_type, ref)
        assert stored.subject == f"MEDIA/{ref}" and stored.tenantid == "demo"
        assert stored.data["sha256"] == sha and stored.data["size_bytes"] == len(JPEG)
        assert stored.data["provider_media_id"] == "1013859600285441"

        resp = await adapter.client.get(f"/v1/media/{ref}", headers=TENANT)
        assert resp.status == 200 and resp.content_type == "image/jpeg"
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert await resp.read() == JPEG
        other = await adapter.client.get(f"/v1/media/{ref}", headers={"X-Waops-Tenant": "else"})
        assert other.status == 404 and (await other.json())["error"]["code"] == "MEDIA_NOT_FOUND"


async def test_a_media_webhook_carries_a_ref_that_resolves_to_the_bytes(
    start_adapter: StartAdapter,
) -> None:
    """Through the door: the event is published at once with the ref, the bytes follow."""
    async with start_adapter() as adapter:
        payload = message_webhook(
            PHONE_ID,
            "+977 1 5550100",
            "+9779841234567",
            "Asha",
            message_content("image", {"media_id": "sandbox-media-5", "caption": "permit"}),
        )
        body = encode(payload)
        headers = {
            "Content-Type": "application/json",
            "X-Hub-Signature-256": sign(body, "sandbox-app-secret"),
        }
        for _ in range(2):  # Meta retries: the same message, the same media, one ref
            resp = await adapter.client.post("/webhooks/meta", data=body, headers=headers)
            assert resp.status == 200
        [received] = await adapter.tap.wait_for(MessageReceived.event_type)
        ref = received.data["media"]["ref"]
        assert ref and received.data["media"]["provider_media_id"] == "sandbox-media-5"
        await adapter.event(MediaStored.event_type, ref)
        assert int(await adapter.db.fetchval("SELECT count(*) FROM media")) == 1
        png = await (await adapter.client.get(f"/v1/media/{ref}", headers=TENANT)).read()
        assert png.startswith(b"\x89PNG\r\n\x1a\n")


async def test_360dialog_media_is_downloaded_from_the_360dialog_host(
    start_adapter: StartAdapter,
) -> None:
    async with start_adapter() as adapter:
        await adapter.put("d360-ogg-1", b"OggS" + b"\x00" * 3000, "audio/ogg; codecs=opus")
        ref = await adapter.register("360dialog", "d360-ogg-1")
        row = await adapter.settled(ref)
        assert row["state"] == "stored" and row["mime_type"] == "audio/ogg"
        assert await adapter.stored_bytes(ref) == b"OggS" + b"\x00" * 3000
        paths = [r["path"] for r in await adapter.sandbox_requests("d360-ogg-1")]
        # The lookup answered a lookaside.fbsbx.com URL: fetched from the 360dialog host.
        assert paths == ["/d360-ogg-1", "/whatsapp_business/attachments/"]
        await adapter.event(MediaStored.event_type, ref)


async def test_twilio_media_url_is_fetched_with_basic_auth_through_its_redirect(
    start_adapter: StartAdapter,
) -> None:
    async with start_adapter() as adapter:
        media_sid, message_sid = "ME" + "a" * 32, "MM" + "b" * 32
        await adapter.put(media_sid, JPEG, "image/jpeg")
        url = str(
            adapter.sandbox.make_url(
                f"/2010-04-01/Accounts/{TWILIO_SID}/Messages/{message_sid}/Media/{media_sid}"
            )
        )
        await adapter.fault(media_sid, status=404)  # Twilio: not propagated yet, retried
        ref = await adapter.register("twilio", media_sid, url=url, mime_type="image/jpeg")
        row = await adapter.settled(ref)
        assert row["state"] == "stored" and row["attempts"] == 2
        assert await adapter.stored_bytes(ref) == JPEG
        paths = [r["path"] for r in await adapter.sandbox_requests(media_sid)]
        assert paths[-1] == f"/_sandbox/media/cdn/{media_sid}"  # followed the redirect

        # Basic-auth credentials go only to the configured account's media URLs.
        elsewhere = url.replace(TWILIO_SID, "AC" + "9" * 32)
        ref2 = await adapter.register("twilio", None, url=elsewhere, mime_type="image/jpeg")
        row2 = await adapter.settled(ref2)
        assert row2["state"] == "failed" and "configured Twilio account" in row2["reason"]


async def test_limits_reject_oversized_and_disallowed_media(start_adapter: StartAdapter) -> None:
    async with start_adapter(media_max_bytes=4096) as adapter:
        await adapter.put("big-announced", b"\xff" * 5000, "image/jpeg")
        await adapter.put("big-chunked", b"\xff" * 50_000, "image/jpeg", chunked="1")
        await adapter.put("exe", b"MZ\x90\x00", "application/x-msdownload")
        announced = await adapter.register("meta", "big-announced")
        chunked = await adapter.register("meta", "big-chunked")
        exe = await adapter.register("meta", "exe")

        row = await adapter.settled(announced)
        assert row["state"] == "rejected" and "larger than 4096 bytes" in row["reason"]
        # Refused on the provider's word: the bytes were never downloaded.
        assert len(await adapter.sandbox_requests("big-announced")) == 1

        row = await adapter.settled(chunked)
        assert row["state"] == "rejected" and "aborted while streaming" in row["reason"]
        assert row["attempts"] == 1  # never retried

        row = await adapter.settled(exe)
        assert row["state"] == "rejected" and "application/x-msdownload" in row["reason"]

        failed = await adapter.event(MediaFailed.event_type, chunked)
        assert failed.data["outcome"] == "rejected"
        # The aborted write left nothing behind, not even its temporary file.
        assert folder_is_empty(adapter.media_dir)
        resp = await adapter.client.get(f"/v1/media/{exe}", headers=TENANT)
        error = (await resp.json())["error"]
        assert (
            resp.status == 410 and error["code"] == "MEDIA_GONE" and "rejected" in error["message"]
        )


async def test_transient_errors_are_retried_and_permanent_ones_fail(
    start_adapter: StartAdapter,
) -> None:
    async with start_adapter(media_fetch_max_attempts=3) as adapter:
        await adapter.fault("sandbox-media-11", status=500, times=2)
        await adapter.fault("sandbox-media-12", status=404, times=5)
        await adapter.fault("sandbox-media-13", status=503, times=10)
        flaky = await adapter.register("meta", "sandbox-media-11")
        gone = await adapter.register("meta", "sandbox-media-12")
        down = await adapter.register("meta", "sandbox-media-13")
        unknown = await adapter.register("meta", "no-such-media")

        row = await adapter.settled(flaky)
        assert row["state"] == "stored" and row["attempts"] == 3
        assert row["reason"] is None

        row = await adapter.settled(gone)
        assert row["state"] == "failed" and row["attempts"] == 1 and "404" in row["reason"]
        failed = await adapter.event(MediaFailed.event_type, gone)
        assert failed.data["outcome"] == "failed"

        row = await adapter.settled(down)
        assert row["state"] == "failed" and row["attempts"] == 3
        assert row["reason"].startswith("gave up after 3 attempts") and "503" in row["reason"]

        row = await adapter.settled(unknown)  # Graph's answer for an unknown id: 400, code 100
        assert row["state"] == "failed" and row["attempts"] == 1


async def test_a_slow_provider_times_out_and_is_retried(start_adapter: StartAdapter) -> None:
    async with start_adapter(media_fetch_timeout=0.5) as adapter:
        await adapter.fault("sandbox-media-21", delay=2.0)
        ref = await adapter.register("meta", "sandbox-media-21")
        row = await adapter.settled(ref)
        assert row["state"] == "stored" and row["attempts"] == 2


async def test_registration_is_idempotent_per_provider_channel_and_item(
    start_adapter: StartAdapter,
) -> None:
    async with start_adapter() as adapter:
        first = await adapter.register("meta", "sandbox-media-31")
        assert await adapter.register("meta", "sandbox-media-31") == first
        assert await adapter.register("meta", "sandbox-media-32") != first
        assert await adapter.register("meta", "sandbox-media-31", channel_id="other") != first
        by_url = await adapter.register("twilio", None, url="https://api.twilio.com/x")
        assert await adapter.register("twilio", None, url="https://api.twilio.com/x") == by_url
        assert int(await adapter.db.fetchval("SELECT count(*) FROM media")) == 4
        with pytest.raises(ValueError):
            await adapter.register("meta", None)


async def test_the_media_api_answers_each_state(start_adapter: StartAdapter) -> None:
    async with start_adapter() as adapter:
        await adapter.fault("sandbox-media-41", delay=3.0)
        pending = await adapter.register("meta", "sandbox-media-41")
        resp = await adapter.client.get(f"/v1/media/{pending}", headers=TENANT)
        assert resp.status == 409 and (await resp.json())["error"]["code"] == "MEDIA_NOT_READY"

        for ref in ("media_" + "0" * 32, "not-a-ref", "media_../../etc"):
            resp = await adapter.client.get(f"/v1/media/{ref}", headers=TENANT)
            assert resp.status == 404 and (await resp.json())["error"]["code"] == "MEDIA_NOT_FOUND"
        resp = await adapter.client.get(f"/v1/media/{pending}")
        assert resp.status == 400 and (await resp.json())["error"]["code"] == "TENANT_REQUIRED"

        await adapter.settled(pending)
        resp = await adapter.client.get(f"/v1/media/{pending}", headers=TENANT)
        assert resp.status == 200 and resp.content_type == "image/png"
        assert resp.headers["ETag"].strip('"') == hashlib.sha256(await resp.read()).hexdigest()

        await LocalMediaStore(adapter.media_dir).delete(pending)  # the store lost it
        resp = await adapter.client.get(f"/v1/media/{pending}", headers=TENANT)
        assert resp.status == 404 and (await resp.json())["error"]["code"] == "MEDIA_MISSING"


async def test_a_registry_channels_media_is_fetched_with_its_own_credentials(
    start_adapter: StartAdapter,
) -> None:
    """Tenant B's number has its own token in the registry; the adapter's own (the default
    channel's) would be refused by the provider, so only the channel's can fetch it."""
    keys = Fernet.generate_key().decode()
    async with start_adapter(
        meta_access_token="the-default-channels-token",
        channel_keys=keys,
        admin_token="test-admin-token",
    ) as adapter:
        sandbox_url = str(adapter.sandbox.make_url("")).rstrip("/")
        created = await adapter.client.post(
            "/v1/admin/channels",
            json={
                "provider": "meta",
                "address": "209876543210",
                "tenant_id": "tenant-b",
                "credentials": {
                    "access_token": "sandbox-access-token",
                    "app_secret": "tenant-b-app-secret",
                    "phone_number_id": "209876543210",
                    "graph_url": sandbox_url,
                    "graph_version": "v21.0",
                },
            },
            headers={"Authorization": "Bearer test-admin-token"},
        )
        assert created.status == 201, await created.text()
        await adapter.put("1013859600285499", JPEG, "image/jpeg")
        theirs = await adapter.register(
            "meta", "1013859600285499", channel_id="209876543210", tenant_id="tenant-b"
        )
        assert (await adapter.settled(theirs))["state"] == "stored"
        assert await adapter.stored_bytes(theirs) == JPEG
        # The default channel's (wrong) token really is refused: its media fails.
        await adapter.put("1013859600285500", JPEG, "image/jpeg")
        ours = await adapter.register("meta", "1013859600285500")
        assert (await adapter.settled(ours))["state"] == "failed"
