"""Keys every producer must spell the same way."""

from __future__ import annotations


def conversation_key(channel_id: str, phone: str) -> str:
    """``<channel>:<phone>``: the ``partitionkey`` of every event of one conversation, so the
    consumers that partition on it (docs/spine.md, Ordering) keep them in order."""
    return f"{channel_id}:{phone}"
