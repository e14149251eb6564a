"""An enquiry: the tour a customer asks about, with the party size and travel time if said."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from conversation_engine.domain.understanding.party import party_size
from conversation_engine.domain.understanding.tours import TourEntry, match_tour
from conversation_engine.domain.understanding.when import travel_time


@dataclass(frozen=True)
class Enquiry:
    tour_code: str
    tour_name: str
    pax: int | None
    travel_month: str | None  # "YYYY-MM"
    travel_date: date | None
    confidence: float  # how surely the tour was recognised, 0..1


def understand_enquiry(text: str, catalogue: Sequence[TourEntry], *, today: date) -> Enquiry | None:
    """The enquiry in ``text``, or None when it names no tour of the catalogue.

    ``today`` is the day the message was sent: "in March" or "next Friday" count from it.
    """
    match = match_tour(text, catalogue)
    if match is None:
        return None
    when = travel_time(text, today=today)
    return Enquiry(
        tour_code=match.tour.code,
        tour_name=match.tour.name,
        pax=party_size(text),
        travel_month=when.month,
        travel_date=when.date,
        confidence=match.score,
    )
