"""Inbound media events published by the webhook adapter once a media item is settled.

A ``message.received`` carries the media's stable reference (``MediaRef.ref``) at once; the
bytes arrive later (fetched from the provider after the webhook was answered). These events
say when they are readable at ``GET /v1/media/{ref}`` on the adapter, or that they never
will be. The subject is ``MEDIA/<ref>``.
"""

from __future__ import annotations

from typing import Literal

from waops_contracts.registry import Event, event


@event(
    "waops.media.stored.v1",
    example={
        "ref": "media_3f2b9c1d4e5a46b7a8c9d0e1f2a3b4c5",
        "channel_id": "109876543210",
        "provider": "meta",
        "provider_media_id": "1013859600285441",
        "mime_type": "image/jpeg",
        "size_bytes": 48213,
        "sha256": "81d3bd8a8db4868c9520ed47186e8b7c5789e61ff79f7f834be6950b808a90d3",
        "filename": None,
    },
)
class MediaStored(Event):
    """The media's bytes are stored and readable by its ``ref``."""

    ref: str
    channel_id: str
    provider: str
    provider_media_id: str | None = None
    mime_type: str
    size_bytes: int
    sha256: str  # hex, of the stored bytes
    filename: str | None = None


@event(
    "waops.media.failed.v1",
    example={
        "ref": "media_3f2b9c1d4e5a46b7a8c9d0e1f2a3b4c5",
        "channel_id": "109876543210",
        "provider": "meta",
        "provider_media_id": "1013859600285441",
        "outcome": "rejected",
        "reason": "larger than 16777216 bytes",
    },
)
class MediaFailed(Event):
    """The media will not be stored: ``failed`` (the provider would not give it, after
    bounded retries) or ``rejected`` (it broke a limit: size or type)."""

    ref: str
    channel_id: str
    provider: str
    provider_media_id: str | None = None
    outcome: Literal["failed", "rejected"]
    reason: str
