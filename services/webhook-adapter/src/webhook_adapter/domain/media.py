"""What the adapter accepts as inbound media, and how a fetch failure is judged. Pure."""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

# A stable media reference: what events carry and GET /v1/media/{ref} takes.
REF_PATTERN = re.compile(r"^media_[0-9a-f]{32}$")


class MediaRejected(Exception):
    """The media breaks a limit (size, type): never retried, recorded as ``rejected``."""


class MediaUnavailable(Exception):
    """The provider will not give the media (unknown, expired, refused): ``failed`` at once."""


class TransientFetchError(Exception):
    """Worth another attempt later (5xx, 429, timeouts, broken connections, a bad hash)."""


def base_type(mime_type: str | None) -> str | None:
    """``audio/ogg; codecs=opus`` -> ``audio/ogg``; None for nothing usable."""
    if not mime_type:
        return None
    head = mime_type.split(";", 1)[0].strip().lower()
    return head if "/" in head else None


@dataclass(frozen=True)
class MediaPolicy:
    max_bytes: int
    allowed_types: frozenset[str]

    @classmethod
    def from_list(cls, max_bytes: int, allowed: str) -> MediaPolicy:
        types = frozenset(t for t in (base_type(p) for p in allowed.split(",")) if t)
        return cls(max_bytes, types)

    def check_type(self, mime_type: str | None) -> str:
        """The media's base type, or MediaRejected."""
        kind = base_type(mime_type)
        if kind is None:
            raise MediaRejected("the provider gave no media type")
        if kind not in self.allowed_types:
            raise MediaRejected(f"type {kind} is not allowed")
        return kind

    def check_size(self, size: int | None) -> None:
        if size is not None and size > self.max_bytes:
            raise MediaRejected(f"larger than {self.max_bytes} bytes ({size})")


def sha256_matches(declared: str | None, hex_digest: str) -> bool:
    """Meta's media GET gives the hash as hex; its webhooks give it base64: accept either.
    Nothing declared matches (Twilio gives no hash)."""
    if not declared:
        return True
    declared = declared.strip()
    if declared.lower() == hex_digest:
        return True
    try:
        return base64.b64decode(declared, validate=True).hex() == hex_digest
    except (binascii.Error, ValueError):
        return False


def judge_status(status: int, *, not_found_is_transient: bool = False) -> type[Exception] | None:
    """How a provider's HTTP answer is treated: None for success.

    Throttling, timeouts and server errors are retried. Other 4xx are final: the media is
    gone or refused, and 360dialog blocks media lookups after repeated errors, so hammering
    them only makes things worse. Twilio is the exception for 404: its media can be briefly
    unavailable right after the webhook (Twilio's support documents it), so it is retried.
    """
    if status < 300:
        return None
    if status in (408, 425, 429) or status >= 500:
        return TransientFetchError
    if status == 404 and not_found_is_transient:
        return TransientFetchError
    return MediaUnavailable
