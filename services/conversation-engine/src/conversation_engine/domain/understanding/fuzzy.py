"""Fuzzy phrase spotting shared by tour names and menu options: is ``phrase`` said somewhere
in a message, give or take a typo?

The message is cut into runs of words about as long as the phrase, and each run is compared
with the phrase as a whole string (rapidfuzz ``ratio``): a typo or a split or joined word
costs a few points, while a different word costs many.
"""

from __future__ import annotations

import re

from rapidfuzz import fuzz, process

# Phrases this short ("EBC", "ABC") differ by one letter from each other: exact only.
SHORT_PHRASE = 4

_WORD = re.compile(r"[^\W_]+")


def words_of(text: str) -> list[str]:
    """The lower-cased words of ``text``, punctuation dropped."""
    return _WORD.findall(text.lower())


def normalised(text: str) -> str:
    """``text`` as words joined by single spaces: the form phrases are compared in."""
    return " ".join(words_of(text))


def phrase_score(phrase: str, words: list[str], *, exact: bool = False) -> float:
    """How well the best run of ``words`` matches the normalised ``phrase`` (0..100).

    Short phrases, and any with ``exact``, score 100 when said word for word and 0 otherwise.
    """
    size = phrase.count(" ") + 1
    if exact or len(phrase) <= SHORT_PHRASE:
        return 100.0 if phrase in _runs(words, size, 0) else 0.0
    found = process.extractOne(phrase, _runs(words, size, 1), scorer=fuzz.ratio)
    return 0.0 if found is None else float(found[1])


def _runs(words: list[str], size: int, slack: int) -> list[str]:
    """The message's runs of ``size`` words, give or take ``slack`` words."""
    sizes = range(max(1, size - slack), size + slack + 1)
    return [" ".join(words[i : i + n]) for n in sizes for i in range(len(words) - n + 1)]
