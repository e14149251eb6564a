"""Inbound media: registered with the webhook (a stable ``ref``), fetched after the 200,
stored (local directory or S3), announced (``media.stored`` / ``media.failed``) and served
at ``GET /v1/media/{ref}``. See docs/adr/0013-inbound-media.md.

The ingest calls ``register_inbound_media`` inside its transaction; nothing here touches
the network on that path, so the webhook's answer stays fast.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from webhook_adapter.media import repository


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


__all__ = ["register_inbound_media"]
