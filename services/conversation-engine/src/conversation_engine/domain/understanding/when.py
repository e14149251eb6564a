"""When a message says the travel is: a month ("March 2025", "in March", "mid-April",
"03/2025") or a day ("20th March 2025", "20/03/2025", "next Friday").

The regexes below find the phrases. A month or numeric phrase's own groups give its day,
month and year; dateparser reads only the relative phrases ("next Friday", "in 3 days"): run
over the whole text it is slow, and it reads dates into anything ("3 people" as the 3rd).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time

from dateparser.date import DateDataParser

from conversation_engine.domain.understanding.vocabulary import COUNT, MONTH, MONTHS, PEOPLE

_DAY = r"(?:3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)?"
_MONTH_PHRASE = re.compile(
    r"\b(?:(?P<cue>in|of|during|early|mid|late|end\s+of|until|till|by|from|around|next|this)"
    r"[\s-]+)?"
    rf"(?:the\s+)?(?:(?P<day>{_DAY})(?:\s+of)?\s+)?(?P<month>{MONTH})\.?"
    # A day after the month, unless it is a party size ("in March 3 people").
    rf"(?:\s+(?P<day_after>{_DAY})(?!\d)(?!\s*{PEOPLE}\b))?"
    r"(?:,?\s+(?P<year>20\d\d))?\b"
)
# Numbers with slashes, dots or dashes, never inside a longer such run (a reference, a phone):
# "2025-03-20", "2025-03", "20/03/2025", "03/2025". Day first: "04/03/2025" is the 4th of March.
_NUMERIC_PHRASE = re.compile(
    r"(?<![\w/.-])(?:"
    r"(?P<iso_year>20\d\d)-(?P<iso_month>\d\d?)(?:-(?P<iso_day>\d\d?))?"
    r"|(?P<first>\d\d?)(?P<sep>[/.])(?P<second>\d\d?)(?P=sep)(?P<year>20\d\d)"
    r"|(?P<month>\d\d?)[/.-](?P<month_year>20\d\d)"
    r")(?![\w/-]|\.\d)"
)
_WEEKDAY = r"(?:mon|tues|wednes|thurs|fri|satur|sun)day"
_RELATIVE_PHRASE = re.compile(
    r"\b(?:(?:the\s+)?day\s+after\s+tomorrow|tomorrow"
    rf"|(?:this\s+coming|coming|next|this|on)\s+(?:{_WEEKDAY}|week|month)|{_WEEKDAY}"
    rf"|in\s+(?:a|an|{COUNT})\s+(?:days?|weeks?|months?))\b"
)
_COMING = re.compile(r"^(?:this\s+)?coming\b")


@dataclass(frozen=True)
class TravelTime:
    month: str | None = None  # "YYYY-MM"
    date: date | None = None


def travel_time(text: str, *, today: date) -> TravelTime:
    """The first travel time the message states; relative ones count from ``today``."""
    lowered = text.lower()
    phrases = [(phrase, read) for pattern, read in _READERS for phrase in pattern.finditer(lowered)]
    for phrase, read in sorted(phrases, key=lambda found: found[0].start()):
        when = read(phrase, today)
        if when is not None:
            return when
    return TravelTime()


def _month_phrase(phrase: re.Match[str], today: date) -> TravelTime | None:
    month = MONTHS[phrase["month"][:3]]
    day = phrase["day"] or phrase["day_after"]
    year = int(phrase["year"]) if phrase["year"] else None
    if phrase["month"] == "may" and not (day or year or phrase["cue"]):
        return None  # "may" the verb, as in "may I ask"
    if day is None:
        return _month(month, year, today)
    return _day(int(day.rstrip("stndrh")), month, year, today)  # "20th": 20


def _numeric_phrase(phrase: re.Match[str], today: date) -> TravelTime | None:
    if phrase["iso_year"]:
        year, month = int(phrase["iso_year"]), int(phrase["iso_month"])
        if phrase["iso_day"] is None:
            return _month(month, year, today)
        return _day(int(phrase["iso_day"]), month, year, today)
    if phrase["first"]:
        day, month = int(phrase["first"]), int(phrase["second"])
        if month > 12 >= day:  # "03/20/2025" can only be month first
            day, month = month, day
        return _day(day, month, int(phrase["year"]), today)
    return _month(int(phrase["month"]), int(phrase["month_year"]), today)


def _relative_phrase(phrase: re.Match[str], today: date) -> TravelTime | None:
    """A relative phrase as dateparser reads it: a day gives a date, a week or month a month."""
    settings = {
        "PREFER_DATES_FROM": "future",
        "RELATIVE_BASE": datetime.combine(today, time()),
    }
    text = _COMING.sub("next", phrase[0])
    found = DateDataParser(languages=["en"], settings=settings).get_date_data(text)
    if found.date_obj is None or found.period not in {"day", "week", "month"}:
        return None
    day = found.date_obj.date()
    month = day.strftime("%Y-%m")
    return TravelTime(month=month, date=day if found.period == "day" else None)


def _month(month: int, year: int | None, today: date) -> TravelTime | None:
    """A month; without a year, the next one of that name ("in March": this one while it
    lasts)."""
    if not 1 <= month <= 12:
        return None
    year = year or (today.year if month >= today.month else today.year + 1)
    return TravelTime(month=f"{year}-{month:02d}")


def _day(day: int, month: int, year: int | None, today: date) -> TravelTime | None:
    """A day; without a year, the next one of that date ("on 5 Jan", said after it: next
    year's)."""
    try:
        when = date(year or today.year, month, day)
        if year is None and when < today:
            when = when.replace(year=today.year + 1)
    except ValueError:  # "February 30", "13/13/2025"
        return None
    return TravelTime(month=when.strftime("%Y-%m"), date=when)


_READERS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str], date], TravelTime | None]], ...] = (
    (_MONTH_PHRASE, _month_phrase),
    (_NUMERIC_PHRASE, _numeric_phrase),
    (_RELATIVE_PHRASE, _relative_phrase),
)
