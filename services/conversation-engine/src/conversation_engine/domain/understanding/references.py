"""References as typed over WhatsApp, found in a sentence and put in the core's form.

- Booking: ``EBC-2501234`` (tour code, 2-digit year, 5-digit counter: 7 digits).
- Trip: ``EBC-251005`` (tour code and start date ``yymmdd``: 6 digits).
Both come in any case, with a dash, a space or nothing between the code and the digits
("ebc 251005", "EBC2501234"). The digit count tells them apart, and a reference is never
read out of a longer run of digits, so neither is taken for the other.

Tour codes are 2-8 letters or digits with at least one letter, as the core's catalogue
allows. Typed without a separator, the code must end in a letter, or "T102501234" could be
``T10-2501234`` or ``T1-02501234``. Typed with only a space, the code must not be a common
word: "call me at 2501234" names no booking.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

BOOKING_DIGITS = 7
TRIP_DIGITS = 6

# Words that, before a number, are English rather than a tour code.
NOT_CODES = frozenset(
    """a an am at by for from in is it me my no of on or our to us we was are be id
    ref reference booking trip tour number num code date call phone tel mobile whatsapp pay
    paid usd npr inr eur gbp aud cad rs total only about and the this that your with room
    seats seat pax people day days year
    """.split()
)

_CODE = r"(?=\d*[A-Z])[A-Z0-9]{2,8}"  # the lookahead: at least one letter


def _pattern(digits: int) -> re.Pattern[str]:
    return re.compile(
        r"(?<![A-Z0-9])"
        rf"(?:(?P<joined>[A-Z0-9]{{1,7}}[A-Z])|(?P<code>{_CODE})(?P<sep>\s*[-_/]\s*|\s+))"
        rf"(?P<digits>\d{{{digits}}})(?![A-Z0-9])",
        re.IGNORECASE | re.ASCII,  # references are printed in ASCII; \d alone takes any digit
    )


_BOOKING = _pattern(BOOKING_DIGITS)
_TRIP = _pattern(TRIP_DIGITS)


@dataclass(frozen=True)
class FoundReference:
    """A reference in its normalised form, and where it was typed in the text."""

    reference: str
    start: int
    end: int


def booking_reference(text: str) -> str | None:
    """The first booking reference in ``text`` ("ebc 2501234" -> ``EBC-2501234``), or None."""
    found = find_booking_reference(text)
    return None if found is None else found.reference


def trip_reference(text: str) -> str | None:
    """The first trip reference in ``text`` ("ebc251005" -> ``EBC-251005``), or None."""
    found = find_trip_reference(text)
    return None if found is None else found.reference


def find_booking_reference(text: str) -> FoundReference | None:
    return _first(_BOOKING, text, valid=lambda digits: True)


def find_trip_reference(text: str) -> FoundReference | None:
    """Only a real calendar day is a trip's start: "EBC-251399" is no trip reference."""
    return _first(_TRIP, text, valid=_is_yymmdd)


def _first(
    pattern: re.Pattern[str], text: str, *, valid: Callable[[str], bool]
) -> FoundReference | None:
    for match in pattern.finditer(text):
        code = (match["joined"] or match["code"]).upper()
        spaced = match["sep"] is not None and not match["sep"].strip()
        if spaced and code.lower() in NOT_CODES:
            continue
        if not valid(match["digits"]):
            continue
        return FoundReference(f"{code}-{match['digits']}", match.start(), match.end())
    return None


def _is_yymmdd(digits: str) -> bool:
    try:
        datetime.strptime(digits, "%y%m%d")
    except ValueError:
        return False
    return True
