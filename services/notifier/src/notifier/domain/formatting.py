"""How facts read in a message: money, dates, times with their zone, states and roles.

Events carry machine values (``"1305.00"``, ``"2025-03-10"``, ISO instants, ``LEAD_GUIDE``);
people read ``USD 1,305.00``, ``10 Mar 2025``, ``10 Jan 2025, 15:15 UTC+05:45``, ``lead
guide``. Every function takes what an event may lack (``None``) and gives ``""`` for it, so
a template's line about a missing fact is left out (see ``notifier.domain.templates``).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Style:
    """The business's settings a message needs: where people call, which clock it reads."""

    support_line: str = ""
    timezone: tzinfo = UTC


def zone(name: str) -> tzinfo:
    """A zone by IANA name (``Asia/Kathmandu``); ``UTC`` needs no zone database."""
    return UTC if name.upper() == "UTC" else ZoneInfo(name)


def amount(value: str | int | float | Decimal | None) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def money(value: str | int | float | Decimal | None, currency: str | None) -> str:
    """``USD 1,305.00``; an unreadable or missing amount reads as nothing."""
    number = amount(value)
    if number is None:
        return ""
    return f"{(currency or '').upper()} {number:,.2f}".strip()


def day(value: str | date | None) -> str:
    """``10 Mar 2025`` from a date or the date part of an ISO instant."""
    parsed = _date(value)
    return f"{parsed.day} {parsed:%b %Y}" if parsed else ""


def dates(start: str | None, end: str | None) -> str:
    """A stay: ``5–18 Oct 2025``, ``28 Sep – 3 Oct 2025``, ``28 Dec 2025 – 4 Jan 2026``."""
    first, last = _date(start), _date(end)
    if first is None:
        return ""
    if last is None or last == first:
        return day(first)
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day}–{day(last)}"
    if first.year == last.year:
        return f"{first.day} {first:%b} – {day(last)}"
    return f"{day(first)} – {day(last)}"


def moment(value: str | None, tz: tzinfo) -> str:
    """``10 Jan 2025, 15:15 UTC+05:45``: an ISO instant on the business's clock, with its zone."""
    if not value:
        return ""
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        return value
    local = (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(tz)
    name = local.tzname() or ""
    if name[:1] in "+-":  # zones with no abbreviation (Asia/Kathmandu is "+0545")
        name = f"UTC{name[:3]}:{name[3:]}" if len(name) == 5 else f"UTC{name}"
    return f"{day(local.date())}, {local:%H:%M} {name}".strip()


def month(value: str | None) -> str:
    """``March 2025`` from ``2025-03``."""
    if not value:
        return ""
    try:
        year, number = value.split("-")[:2]
        return f"{calendar.month_name[int(number)]} {int(year)}"
    except (ValueError, IndexError):
        return value


def people(pax: int | None) -> str:
    if not pax:
        return ""
    return f"{pax} {'person' if pax == 1 else 'people'}"


def label(code: str | None) -> str:
    """``PAYMENT_PENDING`` -> ``payment pending``; ``LEAD_GUIDE`` -> ``lead guide``."""
    return code.replace("_", " ").lower() if code else ""


def contact(name: str | None, phone: str | None) -> str:
    """``Asha (+9779841234567)``, or whichever of the two is known."""
    if name and phone:
        return f"{name} ({phone})"
    return name or phone or ""


def _date(value: str | date | None) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value.date() if isinstance(value, datetime) else value
    try:
        return datetime.fromisoformat(value).date()
    except ValueError:
        return None
