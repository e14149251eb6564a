"""Which tour of the catalogue a message names, tolerating typos ("Everest Basecamp",
"annapurna circut"), by its name, an alias, or its code ("EBC").

Names and aliases are spotted fuzzily (``fuzzy.phrase_score``); codes, and names as short as
codes, only word for word: "ABC" and "EBC" are one letter apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from conversation_engine.domain.understanding.fuzzy import normalised, phrase_score, words_of

# Below this a run of words is not taken for the name (0..100).
MIN_SCORE = 86.0
# Words that say what kind of product a name is, not which one: "Annapurna Circuit Trek" is
# also recognised as "Annapurna Circuit".
GENERIC_TAIL = frozenset({"trek", "trekking", "tour", "trip", "hike", "expedition", "package"})
# Past this many words a message is no enquiry to read: only its start is compared.
MAX_WORDS = 400


@dataclass(frozen=True)
class TourEntry:
    """A bookable tour as the catalogue knows it."""

    code: str
    name: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class TourMatch:
    tour: TourEntry
    score: float  # 0..1


def match_tour(text: str, catalogue: Sequence[TourEntry]) -> TourMatch | None:
    """The catalogue's tour best named in ``text``, if one is named well enough.

    Ties go to the longer name: "Everest View Trek" over an "Everest trek" alias.
    """
    words = words_of(text)[:MAX_WORDS]
    if not words:
        return None
    best: tuple[float, int, TourEntry] | None = None
    for tour in catalogue:
        for name, exact in _names(tour):
            score = phrase_score(name, words, exact=exact)
            if score >= MIN_SCORE and (best is None or (score, len(name)) > best[:2]):
                best = (score, len(name), tour)
    return None if best is None else TourMatch(tour=best[2], score=round(best[0] / 100, 3))


def _names(tour: TourEntry) -> set[tuple[str, bool]]:
    """Every way of naming the tour, normalised, each with whether only an exact match counts."""
    names: set[tuple[str, bool]] = set()
    if code := normalised(tour.code):
        names.add((code, True))
    for raw in (tour.name, *tour.aliases):
        words = words_of(raw)
        if words:
            names.add((" ".join(words), False))
        while len(words) > 2 and words[-1] in GENERIC_TAIL:
            words = words[:-1]
            names.add((" ".join(words), False))
    return names
