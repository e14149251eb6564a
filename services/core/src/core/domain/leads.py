"""Lead rules: what a new lead holds, its reference, and which sales rep gets it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date

NEW = "NEW"
REFERENCE_DIGITS = 5


class InconsistentTravelDates(ValueError):
    pass


@dataclass(frozen=True)
class LeadDraft:
    """A validated, normalized request for a lead (phone in E.164, tour code upper-case)."""

    tour_code: str
    pax: int
    customer_phone: str
    travel_month: str | None = None  # "YYYY-MM"
    travel_date: date | None = None
    customer_name: str | None = None
    conversation_id: str | None = None
    channel_id: str | None = None
    enquiry_text: str | None = None

    def fingerprint(self) -> str:
        """Stable hash of the request: the same Idempotency-Key must come with the same one."""
        canonical = json.dumps(asdict(self), sort_keys=True, default=str, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


def resolve_travel_month(travel_month: str | None, travel_date: date | None) -> str | None:
    """The month of travel: given, or taken from the date; both must then agree."""
    if travel_date is None:
        return travel_month
    from_date = travel_date.strftime("%Y-%m")
    if travel_month is not None and travel_month != from_date:
        raise InconsistentTravelDates(
            f"travel_date {travel_date.isoformat()} is not in travel_month {travel_month}"
        )
    return from_date


def travel_year(travel_month: str | None, travel_date: date | None, today: date) -> int:
    if travel_date is not None:
        return travel_date.year
    if travel_month is not None:
        return int(travel_month[:4])
    return today.year


def format_reference(tour_code: str, year: int, number: int) -> str:
    """``EBC`` + ``25`` + ``01234``: tour, two-digit year of travel, per-tenant counter.

    The counter never repeats within a tenant, so references are unique whatever the tour
    and year; past 99999 it simply grows a digit rather than wrap around.
    """
    if number < 1:
        raise ValueError("reference numbers start at 1")
    return f"{tour_code}{year % 100:02d}{number:0{REFERENCE_DIGITS}d}"


@dataclass(frozen=True)
class RepLoad:
    """An active sales rep, with how many NEW leads they hold and when they last got one."""

    user_id: str
    name: str
    phone: str
    open_leads: int
    last_assigned_seq: int | None  # None: never assigned


def choose_rep(candidates: Sequence[RepLoad]) -> RepLoad | None:
    """Fewest open leads first; among equals, the one who waited longest (never-assigned
    first), then by id so the choice is deterministic."""
    if not candidates:
        return None
    return min(
        candidates,
        key=lambda r: (
            r.open_leads,
            r.last_assigned_seq is not None,
            r.last_assigned_seq or 0,
            r.user_id,
        ),
    )
