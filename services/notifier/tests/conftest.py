"""The sandbox (Meta's Graph API, 360dialog and Twilio stand-ins, all in their real wire
formats) served on a free port, and provider clients pointed at it."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from notifier.adapters.providers import (
    D360Provider,
    MetaCloudProvider,
    ProviderBase,
    TwilioProvider,
)
from waops_sandbox import SandboxConfig, create_sandbox_app

# The tests' shared helpers (notifier_samples, dispatch_support) import by name: pytest's
# importlib mode puts no test folder on the path.
sys.path.insert(0, str(Path(__file__).parent))

TOKEN = "test-token"
PHONE_ID = "109876543210"
D360_KEY = "test-d360-key"
TWILIO_SID = "AC" + "5" * 32
TWILIO_TOKEN = "test-twilio-token"
TWILIO_NUMBER = "+14155238886"


def sandbox_config(**extra: Any) -> SandboxConfig:
    return SandboxConfig(
        access_token=TOKEN,
        app_secret="s",
        phone_number_id=PHONE_ID,
        display_phone_number="+977 1 5550100",
        d360_api_key=D360_KEY,
        twilio_account_sid=TWILIO_SID,
        twilio_auth_token=TWILIO_TOKEN,
        twilio_whatsapp_number=TWILIO_NUMBER,
        **extra,
    )


@pytest_asyncio.fixture
async def sandbox() -> AsyncIterator[TestClient[Any, Any]]:
    client: TestClient[Any, Any] = TestClient(TestServer(create_sandbox_app(sandbox_config())))
    await client.start_server()
    yield client
    await client.close()


@pytest_asyncio.fixture
async def phone_sandbox() -> AsyncIterator[TestClient[Any, Any]]:
    """The sandbox with its phone able to write: its webhooks land on a stand-in of the
    adapter's doors that accepts them and does nothing more (a test publishes the adapter's
    ``message.received`` itself)."""

    async def door(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    doors = web.Application()
    for path in ("/webhooks/meta", "/webhooks/360dialog", "/webhooks/twilio"):
        doors.router.add_post(path, door)
    adapter = TestServer(doors)
    await adapter.start_server()
    config = sandbox_config(
        webhook_url=str(adapter.make_url("/webhooks/meta")),
        d360_webhook_url=str(adapter.make_url("/webhooks/360dialog")),
        twilio_webhook_url=str(adapter.make_url("/webhooks/twilio")),
    )
    client: TestClient[Any, Any] = TestClient(TestServer(create_sandbox_app(config)))
    await client.start_server()
    yield client
    await client.close()
    await adapter.close()


@pytest_asyncio.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest_asyncio.fixture
async def providers(
    sandbox: TestClient[Any, Any], http: aiohttp.ClientSession
) -> dict[str, ProviderBase]:
    """A client of each provider, talking to the sandbox."""
    base = str(sandbox.make_url("")).rstrip("/")
    return {
        "meta": MetaCloudProvider(base, "v21.0", PHONE_ID, TOKEN, http, timeout=5),
        "360dialog": D360Provider(D360_KEY, http, base_url=base, timeout=5),
        "twilio": TwilioProvider(
            TWILIO_SID,
            TWILIO_TOKEN,
            TWILIO_NUMBER,
            http,
            base_url=base,
            status_callback="https://waops.example/webhooks/twilio",
            timeout=5,
        ),
    }
