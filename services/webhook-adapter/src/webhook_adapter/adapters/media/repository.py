"""The media table: registration (in the webhook's transaction), claims and outcomes.

Each claim increments ``attempts``; the outcome updates only while the row is still pending
*and* still at the attempt that was claimed, so a fetcher whose lease ran out (and whose row
another replica claimed again) cannot settle it twice or publish a second event.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncConnection

NOTIFY_CHANNEL = "webhook_adapter_media"  # a hint for the fetcher: new media is due


@dataclass(frozen=True)
class PendingMedia:
    ref: str
    tenant_id: str
    channel_id: str
    provider: str
    provider_media_id: str | None
    source_url: str | None
    declared_mime_type: str | None
    filename: str | None
    attempts: int


@dataclass(frozen=True)
class MediaRecord:
    ref: str
    tenant_id: str
    state: str
    reason: str | None
    mime_type: str | None
    filename: str | None
    size_bytes: int | None
    sha256: str | None
    storage_key: str | None
    created_at: datetime


def pending_media(row: Row[Any]) -> PendingMedia:
    """A row of ``claim_due``'s RETURNING."""
    return PendingMedia(
        ref=row.ref,
        tenant_id=row.tenant_id,
        channel_id=row.channel_id,
        provider=row.provider,
        provider_media_id=row.provider_media_id,
        source_url=row.source_url,
        declared_mime_type=row.declared_mime_type,
        filename=row.filename,
        attempts=row.attempts,
    )


def media_record(row: Row[Any]) -> MediaRecord:
    """A row of ``find``'s SELECT."""
    return MediaRecord(
        ref=row.ref,
        tenant_id=row.tenant_id,
        state=row.state,
        reason=row.reason,
        mime_type=row.mime_type,
        filename=row.filename,
        size_bytes=row.size_bytes,
        sha256=row.sha256,
        storage_key=row.storage_key,
        created_at=row.created_at,
    )


def new_ref() -> str:
    return f"media_{uuid.uuid4().hex}"


async def register(
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
    source_key = provider_media_id or url
    if not source_key:
        raise ValueError("a media item needs a provider media id or a URL")
    inserted = (
        await conn.execute(
            text(
                "INSERT INTO media (ref, tenant_id, channel_id, provider, provider_media_id,"
                " source_url, source_key, declared_mime_type, filename)"
                " VALUES (:ref, :tenant_id, :channel_id, :provider, :provider_media_id, :source_url,"
                " :source_key, :declared_mime_type, :filename)"
                " ON CONFLICT (provider, channel_id, source_key) DO NOTHING RETURNING ref"
            ),
            {
                "ref": new_ref(),
                "tenant_id": tenant_id,
                "channel_id": channel_id,
                "provider": provider,
                "provider_media_id": provider_media_id,
                "source_url": url,
                "source_key": source_key,
                "declared_mime_type": mime_type,
                "filename": filename,
            },
        )
    ).scalar_one_or_none()
    if inserted is not None:
        await conn.execute(
            text("SELECT pg_notify(:notify_channel, '')"), {"notify_channel": NOTIFY_CHANNEL}
        )
        return str(inserted)
    # A replay: the first registration's ref (a concurrent one waited for it to commit).
    existing = await conn.execute(
        text(
            "SELECT ref FROM media WHERE provider = :provider AND channel_id = :channel_id"
            " AND source_key = :source_key"
        ),
        {"provider": provider, "channel_id": channel_id, "source_key": source_key},
    )
    return str(existing.scalar_one())


async def claim_due(conn: AsyncConnection, limit: int, lease_seconds: float) -> list[PendingMedia]:
    rows = await conn.execute(
        text(
            "UPDATE media SET attempts = attempts + 1, updated_at = now(),"
            " next_attempt_at = now() + make_interval(secs => :lease_seconds)"
            " WHERE ref IN (SELECT ref FROM media WHERE state = 'pending'"
            " AND next_attempt_at <= now() ORDER BY next_attempt_at LIMIT :limit"
            " FOR UPDATE SKIP LOCKED)"
            " RETURNING ref, tenant_id, channel_id, provider, provider_media_id, source_url,"
            " declared_mime_type, filename, attempts"
        ),
        {"limit": limit, "lease_seconds": lease_seconds},
    )
    return [pending_media(row) for row in rows]


async def mark_stored(
    conn: AsyncConnection,
    item: PendingMedia,
    *,
    mime_type: str,
    size_bytes: int,
    sha256: str,
    storage_key: str,
) -> bool:
    result = await conn.execute(
        text(
            "UPDATE media SET state = 'stored', reason = NULL, mime_type = :mime_type,"
            " size_bytes = :size_bytes, sha256 = :sha256, storage_key = :storage_key,"
            " settled_at = now(), updated_at = now()"
            " WHERE ref = :ref AND state = 'pending' AND attempts = :claimed_attempt"
            " RETURNING ref"
        ),
        {
            "ref": item.ref,
            "claimed_attempt": item.attempts,
            "mime_type": mime_type,
            "size_bytes": size_bytes,
            "sha256": sha256,
            "storage_key": storage_key,
        },
    )
    return result.first() is not None


async def mark_retry(
    conn: AsyncConnection, item: PendingMedia, reason: str, delay_seconds: float
) -> bool:
    result = await conn.execute(
        text(
            "UPDATE media SET reason = :reason, updated_at = now(),"
            " next_attempt_at = now() + make_interval(secs => :delay_seconds)"
            " WHERE ref = :ref AND state = 'pending' AND attempts = :claimed_attempt"
            " RETURNING ref"
        ),
        {
            "ref": item.ref,
            "claimed_attempt": item.attempts,
            "reason": reason,
            "delay_seconds": delay_seconds,
        },
    )
    return result.first() is not None


async def mark_settled_badly(
    conn: AsyncConnection, item: PendingMedia, outcome: str, reason: str
) -> bool:
    """``failed`` or ``rejected``, with the reason."""
    result = await conn.execute(
        text(
            "UPDATE media SET state = :outcome, reason = :reason, settled_at = now(),"
            " updated_at = now() WHERE ref = :ref AND state = 'pending'"
            " AND attempts = :claimed_attempt RETURNING ref"
        ),
        {"ref": item.ref, "claimed_attempt": item.attempts, "outcome": outcome, "reason": reason},
    )
    return result.first() is not None


async def find(conn: AsyncConnection, tenant_id: str, ref: str) -> MediaRecord | None:
    row = (
        await conn.execute(
            text(
                "SELECT ref, tenant_id, state, reason, mime_type, filename, size_bytes, sha256,"
                " storage_key, created_at FROM media WHERE ref = :ref AND tenant_id = :tenant_id"
            ),
            {"ref": ref, "tenant_id": tenant_id},
        )
    ).first()
    return media_record(row) if row is not None else None
