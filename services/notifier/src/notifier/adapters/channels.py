"""Which provider, with which credentials, sends for a channel.

The default channel is configured by environment (``WAOPS_PROVIDER`` and that provider's
variables) and needs no call. Any other channel's provider and credentials come from the
webhook adapter, which owns the channel registry:
``GET {WAOPS_ADAPTER_URL}/v1/admin/channels/{id}/credentials`` with
``Authorization: Bearer {WAOPS_ADMIN_TOKEN}``, answered
``{"channel": {"id", "tenant_id", "provider", "address", "credentials": {...}}}``.
Answers are cached for ``ttl`` seconds (a rotated token is picked up within that time; a
``halt`` drops the channel from the cache at once so the resumed channel reads fresh
credentials). Providers are built once per channel and credentials.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from waops_contracts import phone_key

from notifier.adapters.providers import (
    D360Provider,
    MetaCloudProvider,
    TwilioProvider,
    WhatsAppProvider,
)
from notifier.settings import NotifierSettings

PROVIDERS = ("meta", "360dialog", "twilio")
# The registry's names for the same wire formats: the sandbox speaks the Graph API.
_WIRE = {"sandbox": "meta", "meta": "meta", "360dialog": "360dialog", "twilio": "twilio"}


class UnknownChannel(LookupError):
    """The adapter does not know the channel: its messages can never be sent."""


class ChannelsUnavailable(RuntimeError):
    """The adapter's channel registry did not answer: try again later."""


@dataclass(frozen=True)
class Channel:
    id: str
    provider: str  # meta | 360dialog | twilio
    credentials: dict[str, Any] = field(hash=False)
    tenant_id: str | None = None
    address: str | None = None

    def key(self) -> tuple[str, str, str]:
        return (self.id, self.provider, repr(sorted(self.credentials.items())))


def default_channel(settings: NotifierSettings) -> Channel:
    provider = "meta" if settings.provider == "sandbox" else settings.provider
    credentials: dict[str, Any]
    if provider == "meta":
        credentials = {
            "access_token": settings.meta_access_token,
            "phone_number_id": settings.meta_phone_number_id,
            "graph_url": settings.graph_url,
            "graph_version": settings.meta_graph_version,
        }
    elif provider == "360dialog":
        credentials = {"api_key": settings.d360_api_key, "api_url": settings.d360_url}
    else:
        credentials = {
            "account_sid": settings.twilio_account_sid,
            "auth_token": settings.twilio_auth_token,
            "whatsapp_number": settings.twilio_whatsapp_number,
            "api_url": settings.twilio_url,
        }
    return Channel(
        id=default_channel_id(settings),
        provider=provider,
        credentials=credentials,
        tenant_id=settings.default_tenant,
    )


def default_channel_id(settings: NotifierSettings) -> str:
    """The adapter's id of the default channel: its address, the phone number id (sandbox,
    Meta, 360dialog) or the E.164 sender number (Twilio)."""
    if settings.provider != "twilio":
        return settings.meta_phone_number_id
    return phone_key(settings.twilio_whatsapp_number)  # as the adapter normalises it


class ChannelResolver:
    def __init__(
        self,
        default: Channel,
        session: aiohttp.ClientSession,
        *,
        adapter_url: str,
        admin_token: str | None,
        ttl: float,
        timeout: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._default = default
        self._session = session
        self._url = adapter_url.rstrip("/")
        self._token = admin_token
        self._ttl = ttl
        self._timeout = timeout
        self._clock = clock
        self._cache: dict[str, tuple[float, Channel]] = {}
        self.lookups = 0  # calls made to the adapter (for tests and metrics)

    async def resolve(self, channel_id: str) -> Channel:
        if channel_id == self._default.id:
            return self._default
        cached = self._cache.get(channel_id)
        if cached is not None and self._clock() < cached[0]:
            return cached[1]
        channel = await self._fetch(channel_id)
        self._cache[channel_id] = (self._clock() + self._ttl, channel)
        return channel

    def forget(self, channel_id: str) -> None:
        self._cache.pop(channel_id, None)

    async def _fetch(self, channel_id: str) -> Channel:
        self.lookups += 1
        headers = {"Authorization": f"Bearer {self._token}"} if self._token else {}
        url = f"{self._url}/v1/admin/channels/{channel_id}/credentials"
        try:
            async with self._session.get(
                url, headers=headers, timeout=aiohttp.ClientTimeout(total=self._timeout)
            ) as resp:
                status = resp.status
                body = await resp.json(content_type=None) if status == 200 else None
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise ChannelsUnavailable(f"channel registry unreachable: {exc!r}") from exc
        if status == 404:
            raise UnknownChannel(channel_id)
        if status != 200:
            raise ChannelsUnavailable(f"channel registry answered HTTP {status}")
        try:
            data = body["channel"]  # type: ignore[index]  # a missing body is a TypeError
            provider = data["provider"]
            credentials = data["credentials"]
        except (KeyError, TypeError) as exc:
            raise ChannelsUnavailable(f"unreadable channel answer: {exc!r}") from exc
        if provider not in _WIRE or not isinstance(credentials, dict):
            raise UnknownChannel(f"{channel_id}: unsupported provider {provider!r}")
        if data.get("enabled") is False:
            raise UnknownChannel(f"{channel_id}: disabled in the channel registry")
        return Channel(
            id=str(data.get("id", channel_id)),
            provider=_WIRE[provider],
            credentials=credentials,
            tenant_id=data.get("tenant_id"),
            address=data.get("address"),
        )


class ProviderFactory:
    """One provider client per channel (and credentials), sharing one HTTP session."""

    def __init__(self, session: aiohttp.ClientSession, settings: NotifierSettings) -> None:
        self._session = session
        self._settings = settings
        self._built: dict[tuple[str, str, str], WhatsAppProvider] = {}

    def for_channel(self, channel: Channel) -> WhatsAppProvider:
        key = channel.key()
        if key not in self._built:
            self._built[key] = self._build(channel)
        return self._built[key]

    def _build(self, channel: Channel) -> WhatsAppProvider:
        c, s = channel.credentials, self._settings
        try:
            if channel.provider == "meta":
                return MetaCloudProvider(
                    base_url=c.get("graph_url") or "https://graph.facebook.com",
                    version=c.get("graph_version") or s.meta_graph_version,
                    phone_number_id=c["phone_number_id"],
                    access_token=c["access_token"],
                    session=self._session,
                    timeout=s.send_timeout,
                )
            if channel.provider == "360dialog":
                return D360Provider(
                    api_key=c["api_key"],
                    base_url=c.get("api_url") or "https://waba-v2.360dialog.io",
                    session=self._session,
                    timeout=s.send_timeout,
                )
            return TwilioProvider(
                account_sid=c["account_sid"],
                auth_token=c["auth_token"],
                whatsapp_number=c.get("whatsapp_number") or channel.address or "",
                base_url=c.get("api_url") or "https://api.twilio.com",
                session=self._session,
                status_callback=s.twilio_status_callback,
                timeout=s.send_timeout,
            )
        except KeyError as exc:
            raise UnknownChannel(f"{channel.id}: credentials lack {exc}") from exc
