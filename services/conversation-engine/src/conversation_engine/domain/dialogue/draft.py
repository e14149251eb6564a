"""An enquiry being collected over several messages (kept in the context as plain JSON)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from conversation_engine.domain.understanding.enquiry import Enquiry

# The texts of an enquiry told in parts, joined as its source text; bounded so a chatty
# customer cannot grow the context without end.
MAX_TEXTS = 6


@dataclass(frozen=True)
class EnquiryDraft:
    tour_code: str | None = None
    tour_name: str | None = None
    pax: int | None = None
    travel_month: str | None = None  # "YYYY-MM"
    travel_date: date | None = None
    asked: tuple[str, ...] = ()  # the questions already asked (each is asked once)
    asking: str | None = None  # the question the next message answers
    texts: tuple[str, ...] = ()

    @classmethod
    def from_enquiry(
        cls, enquiry: Enquiry, text: str, previous: EnquiryDraft | None
    ) -> EnquiryDraft:
        """The understood enquiry, keeping what ``previous`` knew that this one does not say."""
        base = previous or cls()
        return replace(
            base,
            tour_code=enquiry.tour_code,
            tour_name=enquiry.tour_name,
            pax=enquiry.pax or base.pax,
            travel_month=enquiry.travel_month or base.travel_month,
            travel_date=enquiry.travel_date or base.travel_date,
        ).told(text)

    def merged(
        self,
        *,
        pax: int | None = None,
        travel_month: str | None = None,
        travel_date: date | None = None,
    ) -> EnquiryDraft:
        """With what an answer said (what it did not say stays)."""
        return replace(
            self,
            pax=pax or self.pax,
            travel_month=travel_month or self.travel_month,
            travel_date=travel_date or self.travel_date,
        )

    def told(self, text: str) -> EnquiryDraft:
        text = text.strip()
        return replace(self, texts=(*self.texts, text)[-MAX_TEXTS:]) if text else self

    def missing(self, question: str) -> bool:
        return {
            "tour": self.tour_code is None,
            "pax": self.pax is None,
            "month": self.travel_month is None,
        }[question]

    def asking_for(self, question: str) -> EnquiryDraft:
        asked = self.asked if question in self.asked else (*self.asked, question)
        return replace(self, asked=asked, asking=question)

    def to_data(self) -> dict[str, Any]:
        return {
            "tour_code": self.tour_code,
            "tour_name": self.tour_name,
            "pax": self.pax,
            "travel_month": self.travel_month,
            "travel_date": self.travel_date.isoformat() if self.travel_date else None,
            "asked": list(self.asked),
            "asking": self.asking,
            "texts": list(self.texts),
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any] | None) -> EnquiryDraft:
        data = data or {}
        travel_date = data.get("travel_date")
        return cls(
            tour_code=data.get("tour_code"),
            tour_name=data.get("tour_name"),
            pax=data.get("pax"),
            travel_month=data.get("travel_month"),
            travel_date=date.fromisoformat(travel_date) if travel_date else None,
            asked=tuple(data.get("asked") or ()),
            asking=data.get("asking"),
            texts=tuple(data.get("texts") or ()),
        )
