"""Business references, as the core prints them and as people type them back.

- Lead: ``EBC2501234``: tour code, two-digit year of travel, per-tenant counter (five digits,
  growing a digit past 99999 rather than wrapping). No dash.
- Booking: ``EBC-2501234``: the lead's format with a dash, so a booking reads apart from a lead.
- Trip: ``EBC-251005``: tour code and the departure's start date (``yymmdd``); a tour has one
  departure per start date, so it is unique per tenant and a guide reads it off the itinerary.

Typed over WhatsApp they come in any case, with a dash, underscore, slash or spaces between
the code and the digits, or with nothing. Joined, the code must end in a letter, or
"T102501234" could be ``T10-2501234`` or ``T1-02501234``. A trip's digits must be a real day.

``parse_*`` read a whole string (an API path, a command argument) and take any tour code the
catalogue allows (2-8 letters or digits). ``find_*`` look for a reference inside a sentence
and are stricter: the code has a letter, a code followed by only a space is not a common word
("call me at 2501234" names no booking), and a reference is never read out of a longer run of
letters or digits — so the digit count alone tells a booking (7) from a trip (6).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

LEAD_COUNTER_DIGITS = 5
BOOKING_DIGITS = 7  # two of year, five of counter, as typed (a counter past 99999 is not found)
TRIP_DIGITS = 6

# Words that, before a number, are English rather than a tour code.
NOT_CODES = frozenset(
    """a an am at by for from in is it me my no of on or our to us we was are be id
    ref reference booking trip tour number num code date call phone tel mobile whatsapp pay
    paid usd npr inr eur gbp aud cad rs total only about and the this that your with room
    seats seat pax people day days year
    """.split()
)

_JOINED = r"(?P<joined>[A-Z0-9]{1,7}[A-Z])"  # no separator: the code ends in a letter
_SEPARATOR = r"(?P<sep>\s*[-_/]\s*|\s+)"
_ANY_CODE = r"[A-Z0-9]{2,8}"
_CODE_WITH_LETTER = r"(?=\d*[A-Z])[A-Z0-9]{2,8}"  # the lookahead: at least one letter
_FLAGS = re.IGNORECASE | re.ASCII  # references are printed in ASCII; \d alone takes any digit


def _pattern(code: str, digits: int) -> str:
    return rf"(?:{_JOINED}|(?P<code>{code}){_SEPARATOR})(?P<digits>\d{{{digits}}})"


def _in_text(digits: int) -> re.Pattern[str]:
    return re.compile(rf"(?<![A-Z0-9]){_pattern(_CODE_WITH_LETTER, digits)}(?![A-Z0-9])", _FLAGS)


_WHOLE_TRIP = re.compile(_pattern(_ANY_CODE, TRIP_DIGITS), _FLAGS)
_TRIP_IN_TEXT = _in_text(TRIP_DIGITS)
_BOOKING_IN_TEXT = _in_text(BOOKING_DIGITS)


@dataclass(frozen=True)
class FoundReference:
    """A reference in its printed form, and where it was typed in the text."""

    reference: str
    start: int
    end: int


# ------------------------------------------------------------------------------ printing


def format_lead_reference(tour_code: str, year: int, number: int) -> str:
    """``EBC`` + ``25`` + ``01234``. The counter never repeats within a tenant, so references
    are unique whatever the tour and year."""
    if number < 1:
        raise ValueError("reference numbers start at 1")
    return f"{tour_code}{year % 100:02d}{number:0{LEAD_COUNTER_DIGITS}d}"


def format_booking_reference(tour_code: str, year: int, number: int) -> str:
    """``EBC-2501234``: the lead's format with a dash after the tour code."""
    plain = format_lead_reference(tour_code, year, number)
    return f"{tour_code}-{plain[len(tour_code) :]}"


def format_trip_reference(tour_code: str, start_date: date) -> str:
    """``EBC-251005``: the tour code (upper-cased) and the start date."""
    return f"{tour_code.upper()}-{start_date:%y%m%d}"


def reference_key(raw: str) -> str:
    """The form references are matched by, without the dash: upper-case letters and digits
    only (``ebc-25 01234`` and ``EBC2501234`` both key ``EBC-2501234``)."""
    return "".join(ch for ch in raw.upper() if ch.isalnum())


# ------------------------------------------------------------------------------- reading


def parse_trip_reference(text: str) -> str | None:
    """``text`` as a whole is a trip reference (``ebc-251005``, ``EBC 251005``,
    ``ebc251005``): its printed form, or None."""
    match = _WHOLE_TRIP.fullmatch(text.strip())
    if match is None or not _is_yymmdd(match["digits"]):
        return None
    return _printed(match)


def find_booking_reference(text: str) -> FoundReference | None:
    """The first booking reference in a sentence, or None."""
    return _first(_BOOKING_IN_TEXT, text, valid=lambda digits: True)


def find_trip_reference(text: str) -> FoundReference | None:
    """The first trip reference in a sentence ("EBC-251399" is none: no such day), or None."""
    return _first(_TRIP_IN_TEXT, text, valid=_is_yymmdd)


def booking_reference(text: str) -> str | None:
    """The first booking reference in ``text`` ("ebc 2501234" -> ``EBC-2501234``), or None."""
    found = find_booking_reference(text)
    return None if found is None else found.reference


def trip_reference(text: str) -> str | None:
    """The first trip reference in ``text`` ("ebc251005" -> ``EBC-251005``), or None."""
    found = find_trip_reference(text)
    return None if found is None else found.reference


def _first(
    pattern: re.Pattern[str], text: str, *, valid: Callable[[str], bool]
) -> FoundReference | None:
    for match in pattern.finditer(text):
        spaced = match["sep"] is not None and not match["sep"].strip()
        if spaced and match["code"].lower() in NOT_CODES:
            continue
        if not valid(match["digits"]):
            continue
        return FoundReference(_printed(match), match.start(), match.end())
    return None


def _printed(match: re.Match[str]) -> str:
    return f"{(match['joined'] or match['code']).upper()}-{match['digits']}"


def _is_yymmdd(digits: str) -> bool:
    try:
        datetime.strptime(digits, "%y%m%d")
    except ValueError:
        return False
    return True
