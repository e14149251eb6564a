"""How the notifier keys a person's phone."""

from __future__ import annotations


def e164(phone: str) -> str:
    """The "+" and the digits, as the adapter normalises addresses: "+977 984-1234567" and
    "9779841234567" are the same person (and the same read-model row)."""
    return "+" + "".join(ch for ch in phone if ch.isdigit())
