"""Short answers in a dialogue: yes or no, a menu choice, a call for help, a greeting; and
how serious a reported incident sounds.

Each reads the whole (short) message, not a phrase inside a long one: "no" in "no, yes,
actually hold them" is not the answer. Phrases live in tables so adding one is one line.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from conversation_engine.domain.understanding.fuzzy import normalised, phrase_score, words_of
from conversation_engine.domain.understanding.vocabulary import COUNT_WORDS, ORDINALS

YesNo = Literal["yes", "no"]

# Fillers before the answer proper: "oh yes", "well, no", "hi, yes please".
_FILLER = r"(?:(?:oh|ah|well|um+|hmm+|hi|hey|hello|ok(?:ay)?\s+so|so|and|but|then|please)\W+)*"
# First match wins: a yes that starts like a no ("no problem") before the plain no, and
# every no before the yes ("please cancel" is a no). Reactions that are no consent ("great",
# "right") are not a yes.
_ANSWERS: tuple[tuple[YesNo, str], ...] = (
    ("yes", r"no\s+(?:problem|worries|prob)\b"),
    ("no", r"not\s+(?:now|yet|today|really|interested|this\s+time|for\s+(?:me|now)|right\s+now)\b"),
    ("no", r"(?:no+|nope|nah|nay|n)\b"),
    ("no", r"(?:don'?t|do\s+not|never\s*mind|cancel|i'?ll\s+pass|pass|maybe\s+later|later)\b"),
    (
        "yes",
        r"(?:y|ye[sa]*h?|yes+|yep|yup|ya+|yas|sure|ok(?:ay)?|k|kk|alright|all\s+right|"
        r"absolutely|definitely|certainly|of\s+course|go\s+ahead|do\s+it|proceed|"
        r"please(?=\W*$|\s+(?:do|go|hold|book|confirm|proceed|reserve)\b)|"
        r"confirm(?:ed)?|correct|agreed?|sounds\s+good|that\s+works|fine|"
        r"hold\s+(?:the|them|my|our)\b|book\s+(?:it|them|me)|let'?s\s+(?:do|go)|i'?m\s+in)\b",
    ),
)
_ANSWER = [(answer, re.compile(_FILLER + pattern)) for answer, pattern in _ANSWERS]
_EMOJI_ANSWERS: dict[str, YesNo] = {"👍": "yes", "✅": "yes", "👌": "yes", "👎": "no", "❌": "no"}


def yes_no(text: str) -> YesNo | None:
    """Whether the message answers yes or no; None when it is neither (or unsure: "maybe")."""
    lowered = _plain(text)
    for answer, pattern in _ANSWER:
        if pattern.match(lowered):
            return answer
    stripped = text.strip()
    for emoji, answer in _EMOJI_ANSWERS.items():
        if stripped.startswith(emoji):
            return answer
    return None


@dataclass(frozen=True)
class MenuOption:
    """One line of a menu: its ``key`` (what the dialogue gets back), the ``number`` shown,
    and the ``words`` that name it ("join waitlist", "waitlist")."""

    key: str
    number: int
    words: tuple[str, ...]


# Below this the option's words are not taken as said (0..100), as for tour names.
MENU_MIN_SCORE = 85.0
_POLITE = r"(?:\s*(?:please|pls|plz|thanks|thank\s+you|thx))?"
_NUMBER = re.compile(
    r"^(?:(?:option|opt|choice|number|no\.?|num)\s*)?#?\s*(?P<n>\d{1,2})(?!\d)"
    r"(?:st|nd|rd|th)?\s*[.):\]]?" + _POLITE + r"\W*$"
)
_WORD_NUMBER = re.compile(
    r"^(?:(?:option|choice|number)\s+)?(?:the\s+)?(?P<w>[a-z]+)(?:\s+(?:one|option))?"
    + _POLITE
    + r"\W*$"
)


def menu_choice(text: str, options: Sequence[MenuOption]) -> str | None:
    """The key of the option the message picks: by its number ("2", "option 2", "#2", "2.",
    "second") or by its words, give or take a typo ("join wait list"). None when it picks
    none, or two options equally well."""
    number = _chosen_number(_plain(text))
    if number is not None:
        by_number = [option.key for option in options if option.number == number]
        return by_number[0] if by_number else None
    words = words_of(text)
    if not words:
        return None
    scores: dict[str, float] = {}
    for option in options:
        for phrase in option.words:
            if name := normalised(phrase):
                score = phrase_score(name, words)
                scores[option.key] = max(scores.get(option.key, 0.0), score)
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    if not ranked or ranked[0][1] < MENU_MIN_SCORE:
        return None
    if len(ranked) > 1 and ranked[1][1] == ranked[0][1]:
        return None  # "waitlist or booking?": two options named as well
    return ranked[0][0]


def _chosen_number(lowered: str) -> int | None:
    keycap = lowered.replace("\ufe0f", "").replace("\u20e3", "")  # "2️⃣" is "2"
    if found := _NUMBER.match(keycap):
        return int(found["n"])
    if found := _WORD_NUMBER.match(keycap):
        word = found["w"]
        return COUNT_WORDS.get(word) or ORDINALS.get(word)
    return None


_HELP = re.compile(
    r"^(?:please\s+)?(?:show\s+(?:me\s+)?(?:the\s+)?)?"
    r"(?:help|\?+|h|menu|main\s+menu|options|commands|start|"
    r"what\s+can\s+(?:i|you)\s+do|how\s+does\s+(?:this|it)\s+work|what\s+are\s+(?:my\s+)?(?:the\s+)?options)"
    r"(?:\s+(?:me|please|pls))?[\s?!.]*$"
)


def is_help(text: str) -> bool:
    """Whether the message asks what can be done: "HELP", "?", "menu", "what can I do"."""
    return _HELP.match(_plain(text)) is not None


_GREETING = re.compile(
    r"^(?:hi+|hell?o+|hey+|hiya|heya|yo|howdy|namaste|namaskar|greetings|hola|"
    r"good\s+(?:morning|afternoon|evening|day))\b"
)
# What may follow a greeting and still leave it a greeting only.
_GREETING_TAIL = re.compile(
    r"^(?:\W|there|team|all|everyone|guys|folks|sir|madam|ji|dai|didi|again|"
    r"how\s+are\s+you(?:\s+doing)?|how'?s\s+it\s+going)*$"
)
# A name after "hi": at most this many words ("Hi Sita").
_GREETING_NAME_WORDS = 2


def is_greeting(text: str) -> bool:
    """Whether the message is a greeting and nothing more ("Hi!", "Namaste 🙏", "hello there").

    "Hi, I want the Everest trek" is an enquiry that opens with a greeting: not one.
    """
    lowered = _plain(text)
    found = _GREETING.match(lowered)
    if found is None:
        return False
    rest = lowered[found.end() :]
    if _GREETING_TAIL.match(rest):
        return True
    # "Hi Sita": a name; "hi, price?" or "hi 3 people" asks something.
    return len(words_of(rest)) <= _GREETING_NAME_WORDS and not re.search(r"[?\d]", rest)


Severity = Literal["LOW", "MEDIUM", "HIGH", "CRITICAL"]
DEFAULT_SEVERITY: Severity = "MEDIUM"
# The most serious row with a word in the text decides; "\w*" lets a stem take its endings
# ("injur\w*": injured, injury). Nothing found: MEDIUM, so a human looks at it soon.
SEVERITY_WORDS: tuple[tuple[Severity, str], ...] = (
    (
        "CRITICAL",
        r"death|dead|died|dying|fatal\w*|unconscious|not\s+breathing|evacuat\w*|evac|rescue\w*|"
        r"heart\s+attack|cardiac|avalanche|life[\s-]+threatening|hape|hace|sos|stroke|drown\w*",
    ),
    (
        "HIGH",
        r"injur\w*|hurt|accident\w*|crash\w*|broken|fractur\w*|broke\s+(?:his|her|my|their|a|an)|"
        r"twist\w*|sprain\w*|bleed\w*|fell|fall(?:en)?|altitude\s+sickness|ams|missing|"
        r"lost\s+(?:a\s+|one\s+|our\s+|the\s+)?(?:client|guest|traveller|trekker|person|member)|"
        r"hospital\w*|sick|ill|fever|vomit\w*|poison\w*|emergency|stolen|robbed|theft|police|"
        r"landslide",
    ),
    (
        "MEDIUM",
        r"delay\w*|late|lost\s+(?:luggage|baggage|bags?)|luggage|baggage|cancel\w*|strike|"
        r"road\s*block\w*|breakdown|broke\s+down|flat\s+tyre|flight",
    ),
    ("LOW", r"minor|complain\w*|wifi|wi-fi|hot\s+water|noise|noisy|food|room"),
)
_SEVERITY = [(severity, re.compile(rf"\b(?:{words})\b")) for severity, words in SEVERITY_WORDS]


def severity_of(text: str) -> Severity:
    """How serious an incident report sounds, from its words (``SEVERITY_WORDS``)."""
    lowered = _plain(text)
    for severity, pattern in _SEVERITY:
        if pattern.search(lowered):
            return severity
    return DEFAULT_SEVERITY


def _plain(text: str) -> str:
    """Lower-cased, trimmed, typographic apostrophes made plain."""
    return text.strip().lower().replace("\u2019", "'")
