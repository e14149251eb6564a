"""Short dialogue answers: yes/no, menu choices, help, greetings; and incident severity."""

from __future__ import annotations

import pytest
from conversation_engine.domain.understanding import (
    MenuOption,
    is_greeting,
    is_help,
    menu_choice,
    severity_of,
    yes_no,
)
from conversation_engine.domain.understanding.intents import SEVERITY_WORDS
from hypothesis import given
from hypothesis import strategies as st


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("Yes! Please hold the spots", "yes"),
        ("yes", "yes"),
        ("YES", "yes"),
        ("yep", "yes"),
        ("yeah sure", "yes"),
        ("sure, go ahead", "yes"),
        ("ok", "yes"),
        ("Okay!", "yes"),
        ("go ahead", "yes"),
        ("please", "yes"),
        ("please do", "yes"),
        ("hold them", "yes"),
        ("book it", "yes"),
        ("no problem", "yes"),
        ("oh yes", "yes"),
        ("👍", "yes"),
        ("no", "no"),
        ("No.", "no"),
        ("no thanks", "no"),
        ("nope", "no"),
        ("nah", "no"),
        ("not now", "no"),
        ("not interested", "no"),
        ("please cancel", "no"),
        ("don't", "no"),
        ("maybe later", "no"),
        ("well, no", "no"),
        ("👎", "no"),
        # Neither.
        ("maybe", None),
        ("not sure", None),
        ("I'm not sure", None),
        ("what does it cost?", None),
        ("nothing", None),
        ("yesterday", None),
        ("", None),
    ],
)
def test_yes_no(text: str, answer: str | None) -> None:
    assert yes_no(text) == answer


MENU = (
    MenuOption("booking", 1, ("my booking", "booking status")),
    MenuOption("waitlist", 2, ("join waitlist", "waitlist", "wait list")),
    MenuOption("agent", 3, ("talk to a person", "agent")),
)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("1", "booking"),
        (" 1. ", "booking"),
        ("1)", "booking"),
        ("option 2", "waitlist"),
        ("Option 2 please", "waitlist"),
        ("#3", "agent"),
        ("no. 3", "agent"),
        ("2️⃣", "waitlist"),
        ("two", "waitlist"),
        ("the second one", "waitlist"),
        ("3rd", "agent"),
        ("join waitlist", "waitlist"),
        ("Join the waitlist", "waitlist"),
        ("joing waitlst", "waitlist"),
        ("my booking", "booking"),
        ("whats my booking status", "booking"),
        ("AGENT", "agent"),
        # None picked.
        ("4", None),  # no such option
        ("0", None),
        ("12", None),
        ("3 people", None),  # a number with more words is not a choice
        ("hello", None),
        ("", None),
        ("waitlist or agent?", None),  # two options named as well
    ],
)
def test_menu_choice(text: str, key: str | None) -> None:
    assert menu_choice(text, MENU) == key


def test_a_menu_without_options_picks_nothing() -> None:
    assert menu_choice("1", ()) is None
    assert menu_choice("join waitlist", ()) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("HELP", True),
        ("help", True),
        ("help me", True),
        ("Help please!", True),
        ("?", True),
        ("??", True),
        ("menu", True),
        ("show me the menu", True),
        ("options", True),
        ("what can I do", True),
        ("What can you do?", True),
        ("help me book the EBC trek", False),
        ("what can I do in Pokhara?", False),
        ("hello", False),
        ("", False),
    ],
)
def test_is_help(text: str, expected: bool) -> None:
    assert is_help(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hi", True),
        ("hii", True),
        ("Hello there!", True),
        ("hey team", True),
        ("Namaste 🙏", True),
        ("Good morning", True),
        ("Hi Sita", True),
        ("hi, how are you?", True),
        ("Hi, I want the Everest trek for 2", False),
        ("hi how much?", False),
        ("hi 3 people", False),
        ("Hiking in Nepal", False),
        ("history", False),
        ("yes", False),
        ("", False),
    ],
)
def test_is_greeting(text: str, expected: bool) -> None:
    assert is_greeting(text) is expected


@pytest.mark.parametrize(
    ("text", "severity"),
    [
        ("Client unconscious, need evacuation", "CRITICAL"),
        ("guest died", "CRITICAL"),
        ("heli rescue requested", "CRITICAL"),
        ("avalanche near the trail", "CRITICAL"),
        ("Ram twisted his ankle", "HIGH"),
        ("guest injured in a fall", "HIGH"),
        ("jeep accident, nobody hurt", "HIGH"),
        ("signs of altitude sickness", "HIGH"),
        ("one trekker missing", "HIGH"),
        ("we lost a guest in the crowd", "HIGH"),
        ("she broke her wrist", "HIGH"),
        ("flight delayed", "MEDIUM"),
        ("lost luggage", "MEDIUM"),
        ("the bus broke down", "MEDIUM"),
        ("minor complaint about the food", "LOW"),
        ("no hot water", "LOW"),
        ("something happened", "MEDIUM"),
        ("", "MEDIUM"),
        # The most serious word decides.
        ("flight delayed, and a guest fell and is unconscious", "CRITICAL"),
    ],
)
def test_severity_of(text: str, severity: str) -> None:
    assert severity_of(text) == severity


def test_the_severity_table_runs_from_most_to_least_serious() -> None:
    assert [severity for severity, _ in SEVERITY_WORDS] == ["CRITICAL", "HIGH", "MEDIUM", "LOW"]


@given(st.text(max_size=200))
def test_intents_never_raise(text: str) -> None:
    assert yes_no(text) in {"yes", "no", None}
    assert menu_choice(text, MENU) in {"booking", "waitlist", "agent", None}
    assert isinstance(is_help(text), bool) and isinstance(is_greeting(text), bool)
    assert severity_of(text) in {"LOW", "MEDIUM", "HIGH", "CRITICAL"}
