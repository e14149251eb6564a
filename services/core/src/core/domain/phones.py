"""Phone numbers as the core stores them: E.164, checked with libphonenumber."""

from __future__ import annotations

import re

import phonenumbers

_SEPARATORS = re.compile(r"[\s\-().]")


class InvalidPhone(ValueError):
    pass


def normalize_phone(raw: str) -> str:
    """``+977 984-123-4567``, ``009779841234567`` or a WhatsApp id ``9779841234567`` ->
    ``+9779841234567``.

    Numbers must be *possible* (right length for their country), not *valid* by
    libphonenumber's prefix tables: those lag behind operators' new ranges, and refusing a
    real customer's enquiry costs more than storing an unusual number.
    """
    text = _SEPARATORS.sub("", raw.strip())
    if text.startswith("00"):
        text = "+" + text[2:]
    elif text.isdigit():
        text = "+" + text  # WhatsApp ids are E.164 without the plus
    try:
        number = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone(f"not a phone number: {raw!r}") from exc
    if not phonenumbers.is_possible_number(number):
        raise InvalidPhone(f"not a possible phone number: {raw!r}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
