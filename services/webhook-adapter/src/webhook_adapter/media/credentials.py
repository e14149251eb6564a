"""Which provider credentials fetch a channel's media.

A channel's media is fetched with its own credentials from the channel registry
(``from_registry``: decrypted per fetch, never cached in the clear); fields a channel does
not hold fall back to the adapter's settings (the default channel's credentials).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace

from sqlalchemy.ext.asyncio import AsyncEngine

from webhook_adapter.adapters.keyring import Keyring
from webhook_adapter.handlers import registry
from webhook_adapter.settings import AdapterSettings


@dataclass(frozen=True)
class MediaCredentials:
    graph_url: str
    graph_version: str
    meta_access_token: str
    d360_api_url: str
    d360_api_key: str
    twilio_account_sid: str
    twilio_auth_token: str

    def __repr__(self) -> str:  # secrets stay out of logs and tracebacks
        return f"MediaCredentials(graph_url={self.graph_url!r}, d360_api_url={self.d360_api_url!r})"


CredentialsLookup = Callable[[str], Awaitable[MediaCredentials]]


def from_settings(settings: AdapterSettings) -> CredentialsLookup:
    credentials = MediaCredentials(
        graph_url=settings.graph_url.rstrip("/"),
        graph_version=settings.meta_graph_version,
        meta_access_token=settings.meta_access_token,
        d360_api_url=settings.d360_url.rstrip("/"),
        d360_api_key=settings.d360_api_key,
        twilio_account_sid=settings.twilio_account_sid,
        twilio_auth_token=settings.twilio_auth_token,
    )

    async def credentials_for(channel_id: str) -> MediaCredentials:
        return credentials  # one set for every channel until the registry holds them

    return credentials_for


def from_registry(
    engine: AsyncEngine, keyring: Keyring, settings: AdapterSettings
) -> CredentialsLookup:
    fallback = from_settings(settings)

    async def credentials_for(channel_id: str) -> MediaCredentials:
        base = await fallback(channel_id)
        try:
            async with engine.connect() as conn:
                found = await registry.channel_credentials(conn, keyring, settings, channel_id)
        except registry.ChannelNotFound:
            return base
        c = found["credentials"]
        if found["provider"] == "twilio":
            return replace(
                base,
                twilio_account_sid=c.get("account_sid", base.twilio_account_sid),
                twilio_auth_token=c.get("auth_token", base.twilio_auth_token),
            )
        if found["provider"] == "360dialog":
            return replace(
                base,
                d360_api_url=str(c.get("api_url", base.d360_api_url)).rstrip("/"),
                d360_api_key=c.get("api_key", base.d360_api_key),
            )
        return replace(
            base,
            graph_url=str(c.get("graph_url", base.graph_url)).rstrip("/"),
            graph_version=c.get("graph_version", base.graph_version),
            meta_access_token=c.get("access_token", base.meta_access_token),
        )

    return credentials_for
