"""Words the parts of understanding share: counts, month names, and what a party is."""

from __future__ import annotations

COUNT_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
}
ORDINALS = {
    word: number
    for number, word in enumerate(
        ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth"),
        start=1,
    )
}
# A count: up to three digits (so never a year) or a word.
# Longest words first, so "fourteen" is not read as "four".
COUNT = r"(?:\d{1,3}(?!\d)|" + "|".join(sorted(COUNT_WORDS, key=len, reverse=True)) + r")"

MONTHS = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
        start=1,
    )
}
MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)

# Words after a count that make it a number of travellers.
PEOPLE = (
    r"(?:people|persons?|pax|ppl|pp|adults?|travell?ers?|guests?|members?|trekkers?|"
    r"of\s+us|heads?)"
)


def count_value(token: str) -> int:
    """The value of a token that matched ``COUNT``."""
    return int(token) if token.isdigit() else COUNT_WORDS[token]
