"""Which tour of the catalogue a message names, tolerating typos ("Everest Basecamp",
"annapurna circut").

The message is cut into runs of words about as long as each tour name or alias, and each
run is compared with the name as a whole string (rapidfuzz ``ratio``): a typo or a split or
joined word costs a few points, while a different place name costs many.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

# Below this a run of words is not taken for the name (0..100).
MIN_SCORE = 86.0
# Codes and short aliases ("EBC", "ABC") differ by one letter from each other: exact only.
SHORT_NAME = 4
# Words that say what kind of product a name is, not which one: "Annapurna Circuit Trek" is
# also recognised as "Annapurna Circuit".
GENERIC_TAIL = frozenset({"trek", "trekking", "tour", "trip", "hike", "expedition", "package"})
# Past this many words a message is no enquiry to read: only its start is compared.
MAX_WORDS = 400

_WORD = re.compile(r"[^\W_]+")


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
    words = _words(text)[:MAX_WORDS]
    if not words:
        return None
    best: tuple[float, int, TourEntry] | None = None
    for tour in catalogue:
        for name in _names(tour):
            score = _score(name, words)
            if score >= MIN_SCORE and (best is None or (score, len(name)) > best[:2]):
                best = (score, len(name), tour)
    return None if best is None else TourMatch(tour=best[2], score=round(best[0] / 100, 3))


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _names(tour: TourEntry) -> set[str]:
    """Every way of naming the tour, as normalised words joined by single spaces.

    The code is internal to the operator: what customers type is in the aliases.
    """
    names: set[str] = set()
    for raw in (tour.name, *tour.aliases):
        words = _words(raw)
        if words:
            names.add(" ".join(words))
        while len(words) > 2 and words[-1] in GENERIC_TAIL:
            words = words[:-1]
            names.add(" ".join(words))
    return names


def _score(name: str, words: list[str]) -> float:
    """How well the best run of words in the message matches ``name`` (0..100)."""
    size = name.count(" ") + 1
    if len(name) <= SHORT_NAME:
        return 100.0 if name in _runs(words, size, 0) else 0.0
    found = process.extractOne(name, _runs(words, size, 1), scorer=fuzz.ratio)
    return 0.0 if found is None else float(found[1])


def _runs(words: list[str], size: int, slack: int) -> list[str]:
    """The message's runs of ``size`` words, give or take ``slack`` words."""
    sizes = range(max(1, size - slack), size + slack + 1)
    return [" ".join(words[i : i + n]) for n in sizes for i in range(len(words) - n + 1)]
