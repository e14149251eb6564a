"""How many people a message says will travel: "3 people", "for 3", "two of us",
"family of 4", "me and my wife", "me and 2 friends", "solo".

Only counts next to a word that makes them a party size are read, so the numbers of dates
("20th March 2025") and durations ("for 12 days") are never taken for one; nor is a count outside the party sizes
every service takes (``waops_contracts.limits``).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from waops_contracts.limits import MAX_PARTY_SIZE, MIN_PARTY_SIZE

from conversation_engine.domain.understanding.vocabulary import COUNT, MONTH, PEOPLE, count_value

_CHILDREN = r"(?:kids?|children|child|teens?|teenagers?|infants?|bab(?:y|ies))"
# What may follow "for N" when N is not people: a date, a duration, a time, a price, a range.
_NOT_PEOPLE = (
    r"(?:\s*(?:st|nd|rd|th|days?|nights?|weeks?|months?|years?|yrs?|hours?|hrs?|h|d|am|pm|"
    r"usd|\$|%|k|" + MONTH + "|" + _CHILDREN + r")(?![a-z])|[-:/]|[.,]\d)"
)
_PARTNER = (
    r"(?:wife|husband|partner|spouse|girlfriend|boyfriend|fianc[eé]e?|friend|brother|"
    r"sister|son|daughter|mother|mom|mum|father|dad|colleague)"
)

_PATTERNS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], int]], ...] = tuple(
    (re.compile(pattern), value)
    for pattern, value in (
        (
            rf"\b(?P<a>{COUNT})\s*adults?\s*(?:and|&|\+|,|with)\s*(?P<c>{COUNT})\s*{_CHILDREN}\b",
            lambda m: count_value(m["a"]) + count_value(m["c"]),
        ),
        (rf"\b(?P<n>{COUNT})\s*{PEOPLE}\b", lambda m: count_value(m["n"])),
        (rf"\b(?:family|group|party|team)\s+of\s+(?P<n>{COUNT})\b", lambda m: count_value(m["n"])),
        (
            rf"\b(?:we\s+are|we're|there\s+are|there\s+will\s+be|there'll\s+be)\s+(?P<n>{COUNT})\b",
            lambda m: count_value(m["n"]),
        ),
        (
            rf"\bfor\s+(?:a\s+group\s+of\s+)?(?P<n>{COUNT})\b(?!{_NOT_PEOPLE})",
            lambda m: count_value(m["n"]),
        ),
        (
            rf"\b(?:me|myself|i)\s+(?:and|&|\+|with)\s+(?:my\s+)?(?P<n>{COUNT})\s+"
            rf"(?:{_PARTNER}s?|others|more|{_CHILDREN})\b",
            lambda m: count_value(m["n"]) + 1,
        ),
        (rf"\b(?:me|myself|i)\s+(?:and|&|\+|with)\s+(?:my\s+)?{_PARTNER}\b", lambda m: 2),
        (rf"\bmy\s+{_PARTNER}\s+(?:and|&|\+)\s+(?:i|me|myself)\b", lambda m: 2),
        (r"\b(?:we\s+are|we're|as|for)\s+a\s+couple\b(?!\s+of)", lambda m: 2),
        (
            r"\b(?:solo|alone|just\s+me|only\s+me|just\s+myself|by\s+myself|on\s+my\s+own)\b",
            lambda m: 1,
        ),
    )
)


def party_size(text: str) -> int | None:
    """The number of travellers the message states, if it states one.

    Patterns are tried from the most explicit ("3 people") to the least ("for 3").
    """
    lowered = text.lower().replace("\u2019", "'")
    for pattern, value in _PATTERNS:
        for match in pattern.finditer(lowered):
            size = value(match)
            if MIN_PARTY_SIZE <= size <= MAX_PARTY_SIZE:
                return size
    return None
