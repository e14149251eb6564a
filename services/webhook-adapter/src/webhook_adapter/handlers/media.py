"""Inbound media: registered with the webhook (a stable ``ref``), fetched after the 200,
stored (local directory or S3), announced (``media.stored`` / ``media.failed``) and served
at ``GET /v1/media/{ref}``. See docs/adr/0013-inbound-media.md.

The ingest calls ``register_inbound_media`` inside its transaction; nothing here touches
the network on that path, so the webhook's answer stays fast. ``from_registry`` gives the
fetcher each channel's own credentials.

Where the rest lives: the rules in ``domain.media``; the table, the stores (local, S3), the
provider downloads and the credentials type in ``adapters.media``; the fetch loop in
``handlers.media_fetcher``; ``GET /v1/media/{ref}`` in ``entrypoints.media``; all of it
built in ``bootstrap``.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from webhook_adapter.adapters.keyring import Keyring
from webhook_adapter.adapters.media import repository
from webhook_adapter.adapters.media.credentials import (
    CredentialsLookup,
    MediaCredentials,
    from_settings,
)
from webhook_adapter.handlers import channel_registry
from webhook_adapter.settings import AdapterSettings


async def register_inbound_media(
    conn: AsyncConnection,
    *,
    tenant_id: str,
    channel_id: str,
    provider: str,
    provider_media_id: str | None,
    url: str | None,
    mime_type: str | None,
    filename: str | None,
) -> str:
    """Record a media item to fetch (idempotent on (provider, channel_id, provider_media_id
    or url)); returns its stable reference, e.g. 'media_<uuid hex>', the same for a replayed
    webhook."""
    return await repository.register(
        conn,
        tenant_id=tenant_id,
        channel_id=channel_id,
        provider=provider,
        provider_media_id=provider_media_id,
        url=url,
        mime_type=mime_type,
        filename=filename,
    )


def from_registry(
    engine: AsyncEngine, keyring: Keyring, settings: AdapterSettings
) -> CredentialsLookup:
    fallback = from_settings(settings)

    async def credentials_for(channel_id: str) -> MediaCredentials:
        base = await fallback(channel_id)
        try:
            async with engine.connect() as conn:
                found = await channel_registry.channel_credentials(
                    conn, keyring, settings, channel_id
                )
        except channel_registry.ChannelNotFound:
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


__all__ = ["from_registry", "register_inbound_media"]
