"""What each party is told, as templates with variables and a language — not strings in handlers.

Missing variables render as an empty string rather than failing a notification; a template or
language that does not exist is a programming error and raises.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from typing import Any

DEFAULT_LANGUAGE = "en"

TEMPLATES: dict[str, dict[str, str]] = {
    "lead_acknowledged": {
        "en": (
            "Thank you{name_part}! Your enquiry for {tour_name}{details} is registered. "
            "Your reference is {reference}. {rep_name} from our sales team will be in touch "
            "shortly. Reply here any time with questions."
        ),
    },
    "command_refused": {
        "en": "Sorry, we could not do that: {reason}. Reply HELP to see what you can do here.",
    },
}


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


def render(template: str, variables: Mapping[str, Any], language: str = DEFAULT_LANGUAGE) -> str:
    by_language = TEMPLATES[template]
    text = by_language.get(language) or by_language[DEFAULT_LANGUAGE]
    return string.Formatter().vformat(text, (), _Blank(variables)).strip()


def lead_variables(lead: Mapping[str, Any]) -> dict[str, Any]:
    """Variables of ``lead_acknowledged`` from a lead.created payload."""
    details = []
    if lead.get("pax"):
        details.append(f"{lead['pax']} {'person' if lead['pax'] == 1 else 'people'}")
    if lead.get("travel_month"):
        details.append(_month_name(str(lead["travel_month"])))
    rep = (lead.get("assigned_to") or {}).get("name") or "Someone"
    name = lead.get("customer_name")
    return {
        "name_part": f", {name}" if name else "",
        "tour_name": lead.get("tour_name") or "your trip",
        "details": f" ({', '.join(details)})" if details else "",
        "reference": lead["reference"],
        "rep_name": rep,
    }


def _month_name(year_month: str) -> str:
    import calendar

    try:
        year, month = year_month.split("-")
        return f"{calendar.month_name[int(month)]} {year}"
    except (ValueError, IndexError):
        return year_month
