"""Keys every producer must spell the same way."""

from __future__ import annotations

import re

_NOT_DIGITS = re.compile(r"\D")


def conversation_key(channel_id: str, phone: str) -> str:
    """``<channel>:<phone>``: the ``partitionkey`` of every event of one conversation, so the
    consumers that partition on it (docs/spine.md, Ordering) keep them in order."""
    return f"{channel_id}:{phone}"


def phone_key(raw: str) -> str:
    """How a person's phone is keyed wherever services meet on it (read models, blind
    indexes, dedupe keys): ``+`` and the digits. A Twilio address (``whatsapp:+977...``), a
    WhatsApp id (``9779841234567``), a written number (``+977 984-123 4567``) and an
    international ``00`` prefix all key the same person. Not a validation: the core and the
    adapter check numbers with phonenumbers; this only has to agree with itself."""
    digits = _NOT_DIGITS.sub("", raw.removeprefix("whatsapp:"))
    return "+" + (digits[2:] if raw.strip().startswith("00") else digits)
