"""When a message says the travel is: a month ("March 2025", "in March") or a day
("20th March 2025", "next Friday").

The regexes below find the phrases. A month phrase's own groups give its day, month and year;
dateparser reads only the relative phrases ("next Friday", "in 3 days"): run over the whole
text it is slow, and it reads dates into anything ("3 people" as the 3rd).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time

from dateparser.date import DateDataParser

from conversation_engine.domain.understanding.vocabulary import COUNT, MONTH, MONTHS, PEOPLE

_DAY = r"(?:3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)?"
_MONTH_PHRASE = re.compile(
    r"\b(?:(?P<cue>in|of|during|early|mid|late|end\s+of|until|till|by|from|around|next|this)\s+)?"
    rf"(?:the\s+)?(?:(?P<day>{_DAY})(?:\s+of)?\s+)?(?P<month>{MONTH})\.?"
    # A day after the month, unless it is a party size ("in March 3 people").
    rf"(?:\s+(?P<day_after>{_DAY})(?!\d)(?!\s*{PEOPLE}\b))?"
    r"(?:,?\s+(?P<year>20\d\d))?\b"
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
    phrases = [*_MONTH_PHRASE.finditer(lowered), *_RELATIVE_PHRASE.finditer(lowered)]
    for phrase in sorted(phrases, key=lambda m: m.start()):
        if phrase.re is _MONTH_PHRASE:
            when = _month_phrase(phrase, today)
        else:
            when = _parsed(_COMING.sub("next", phrase[0]), today)
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
        # "in March": the next March, this one while it lasts.
        year = year or (today.year if month >= today.month else today.year + 1)
        return TravelTime(month=f"{year}-{month:02d}")
    try:
        when = date(year or today.year, month, int(day.rstrip("stndrh")))  # "20th": 20
        if year is None and when < today:  # "on 5 Jan", said after it: next year's
            when = when.replace(year=today.year + 1)
    except ValueError:  # "February 30"
        return None
    return TravelTime(month=when.strftime("%Y-%m"), date=when)


def _parsed(phrase: str, today: date) -> TravelTime | None:
    """A relative phrase as dateparser reads it: a day gives a date, a week or month a month."""
    settings = {
        "PREFER_DATES_FROM": "future",
        "RELATIVE_BASE": datetime.combine(today, time()),
    }
    found = DateDataParser(languages=["en"], settings=settings).get_date_data(phrase)
    if found.date_obj is None or found.period not in {"day", "week", "month"}:
        return None
    day = found.date_obj.date()
    month = day.strftime("%Y-%m")
    return TravelTime(month=month, date=day if found.period == "day" else None)
