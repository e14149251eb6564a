"""Channel → provider: the default channel from settings, the others from the adapter's
channel registry (a fake of its admin endpoint, same contract), cached for a while."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestServer
from notifier.adapters.channels import (
    ChannelResolver,
    ChannelsUnavailable,
    ProviderFactory,
    UnknownChannel,
    default_channel,
)
from notifier.adapters.providers import D360Provider, MetaCloudProvider, TwilioProvider
from notifier.settings import NotifierSettings

ADMIN = "admin-secret"
CHANNELS: dict[str, dict[str, Any]] = {
    "ch-360": {
        "id": "ch-360",
        "tenant_id": "acme",
        "provider": "360dialog",
        "address": "+9771555000",
        "credentials": {
            "api_key": "k1",
            "api_url": "https://waba-v2.360dialog.io",
            "webhook_secret": "w",
        },
    },
    "ch-twilio": {
        "id": "ch-twilio",
        "tenant_id": "acme",
        "provider": "twilio",
        "address": "+14155238886",
        "credentials": {
            "account_sid": "AC" + "9" * 32,
            "auth_token": "t",
            "whatsapp_number": "+14155238886",
            "api_url": "https://api.twilio.com",
        },
    },
    "ch-meta": {
        "id": "ch-meta",
        "tenant_id": "globex",
        "provider": "meta",
        "address": "+9771555111",
        "credentials": {
            "access_token": "EAAG",
            "app_secret": "s",
            "phone_number_id": "2222",
            "graph_url": "https://graph.facebook.com",
            "graph_version": "v21.0",
        },
    },
}


class Registry:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str | None]] = []
        self.fail_with: int | None = None


@pytest_asyncio.fixture
async def registry() -> AsyncIterator[tuple[str, Registry]]:
    seen = Registry()

    async def credentials(request: web.Request) -> web.Response:
        channel_id = request.match_info["channel_id"]
        seen.calls.append((channel_id, request.headers.get("Authorization")))
        if request.headers.get("Authorization") != f"Bearer {ADMIN}":
            return web.json_response(
                {"error": {"code": "UNAUTHORIZED", "message": "no"}}, status=401
            )
        if seen.fail_with is not None:
            return web.json_response(
                {"error": {"code": "DOWN", "message": "x"}}, status=seen.fail_with
            )
        if channel_id not in CHANNELS:
            return web.json_response(
                {"error": {"code": "CHANNEL_NOT_FOUND", "message": "x"}}, status=404
            )
        return web.json_response({"channel": CHANNELS[channel_id]})

    app = web.Application()
    app.router.add_get("/v1/admin/channels/{channel_id}/credentials", credentials)
    server = TestServer(app)
    await server.start_server()
    yield str(server.make_url("")).rstrip("/"), seen
    await server.close()


def settings(**values: Any) -> NotifierSettings:
    return NotifierSettings(**values)


async def test_the_default_channel_needs_no_call(registry: Any) -> None:
    url, seen = registry
    async with aiohttp.ClientSession() as http:
        resolver = ChannelResolver(
            default_channel(settings()), http, adapter_url=url, admin_token=ADMIN, ttl=60
        )
        channel = await resolver.resolve("109876543210")
    assert (
        channel.provider == "meta" and channel.credentials["access_token"] == "sandbox-access-token"
    )
    assert channel.credentials["graph_url"] == "http://127.0.0.1:8090"
    assert seen.calls == []


@pytest.mark.parametrize(
    ("provider", "expected"),
    [
        ("360dialog", {"api_key": "k", "api_url": "https://waba-v2.360dialog.io"}),
        (
            "twilio",
            {
                "account_sid": "AC" + "1" * 32,
                "auth_token": "sandbox-twilio-auth-token",
                "whatsapp_number": "+14155238886",
                "api_url": "https://api.twilio.com",
            },
        ),
    ],
)
def test_the_default_channel_follows_waops_provider(
    provider: str, expected: dict[str, str]
) -> None:
    s = settings(provider=provider, d360_api_key="k", twilio_account_sid="AC" + "1" * 32)
    channel = default_channel(s)
    assert channel.provider == provider and channel.credentials == expected
    # The adapter's id for it: the phone number id, or Twilio's E.164 sender number.
    assert channel.id == ("+14155238886" if provider == "twilio" else s.meta_phone_number_id)


async def test_other_channels_come_from_the_registry_and_are_cached(registry: Any) -> None:
    url, seen = registry
    now = [0.0]
    async with aiohttp.ClientSession() as http:
        resolver = ChannelResolver(
            default_channel(settings()),
            http,
            adapter_url=url,
            admin_token=ADMIN,
            ttl=60,
            clock=lambda: now[0],
        )
        d360 = await resolver.resolve("ch-360")
        again = await resolver.resolve("ch-360")
        assert again is d360 and seen.calls == [("ch-360", f"Bearer {ADMIN}")]
        now[0] = 61.0  # the cache expired: asked again (a rotated key is picked up)
        await resolver.resolve("ch-360")
        assert len(seen.calls) == 2
        resolver.forget("ch-360")
        await resolver.resolve("ch-360")
        assert len(seen.calls) == 3
        factory = ProviderFactory(http, settings(public_base_url="https://waops.example"))
        assert isinstance(factory.for_channel(d360), D360Provider)
        assert factory.for_channel(d360) is factory.for_channel(d360)
        twilio = factory.for_channel(await resolver.resolve("ch-twilio"))
        assert isinstance(twilio, TwilioProvider)
        assert twilio._callback == "https://waops.example/webhooks/twilio"
        meta = factory.for_channel(await resolver.resolve("ch-meta"))
        assert isinstance(meta, MetaCloudProvider)
        assert meta.messages_url() == "https://graph.facebook.com/v21.0/2222/messages"
    assert d360.tenant_id == "acme" and d360.credentials["api_key"] == "k1"


async def test_an_unknown_channel_and_an_unreachable_registry_differ(registry: Any) -> None:
    url, seen = registry
    async with aiohttp.ClientSession() as http:
        resolver = ChannelResolver(
            default_channel(settings()), http, adapter_url=url, admin_token=ADMIN, ttl=60
        )
        with pytest.raises(UnknownChannel):
            await resolver.resolve("ch-nope")
        seen.fail_with = 503
        with pytest.raises(ChannelsUnavailable):
            await resolver.resolve("ch-360")
        wrong = ChannelResolver(
            default_channel(settings()), http, adapter_url=url, admin_token="bad", ttl=60
        )
        with pytest.raises(ChannelsUnavailable):  # 401: a configuration problem, retried
            await wrong.resolve("ch-360")
        down = ChannelResolver(
            default_channel(settings()),
            http,
            adapter_url="http://127.0.0.1:9",
            admin_token=ADMIN,
            ttl=60,
            timeout=2,
        )
        with pytest.raises(ChannelsUnavailable):
            await down.resolve("ch-360")
