"""The understanding port: how the dialogue asks "what does this free text mean?".

The rule-based understanding is the default; an LLM-backed one (``llm.py``) may sit in front
of it, with a timeout, falling back to the rules when it fails.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Protocol

from conversation_engine.domain.understanding.enquiry import Enquiry, understand_enquiry
from conversation_engine.domain.understanding.tours import TourEntry


class Understander(Protocol):
    name: str

    async def enquiry(
        self, text: str, catalogue: Sequence[TourEntry], *, today: date
    ) -> Enquiry | None:
        """The enquiry in ``text`` (a tour of ``catalogue`` is named), or None."""
        ...


class RuleBasedUnderstanding:
    """Fuzzy tour matching, date and party-size parsing: no network, always answers."""

    name = "rules"

    async def enquiry(
        self, text: str, catalogue: Sequence[TourEntry], *, today: date
    ) -> Enquiry | None:
        return understand_enquiry(text, catalogue, today=today)
