"""Understanding a customer's free text: the tour, the party size and the travel time."""

from __future__ import annotations

from datetime import date

import pytest
from conversation_engine.domain.conversations import create_lead_args
from conversation_engine.domain.understanding import (
    Enquiry,
    TourEntry,
    match_tour,
    party_size,
    travel_time,
    understand_enquiry,
)
from hypothesis import given
from hypothesis import strategies as st

TODAY = date(2025, 1, 10)  # a Friday
CATALOGUE = (
    TourEntry("EBC", "Everest Base Camp Trek", ("EBC", "Everest trek", "Everest base camp")),
    TourEntry("ABC", "Annapurna Base Camp Trek", ("ABC", "Annapurna sanctuary")),
    TourEntry("ACT", "Annapurna Circuit Trek", ()),
    TourEntry("LVT", "Langtang Valley Trek", ("Langtang",)),
    TourEntry("EVT", "Everest View Trek", ()),
)


def test_the_slice_sentence_is_an_enquiry_for_everest_base_camp() -> None:
    text = "Hi! I'm interested in the Everest Base Camp Trek for 3 people in March 2025"
    enquiry = understand_enquiry(text, CATALOGUE, today=TODAY)
    assert enquiry == Enquiry(
        tour_code="EBC",
        tour_name="Everest Base Camp Trek",
        pax=3,
        travel_month="2025-03",
        travel_date=None,
        confidence=1.0,
    )
    assert create_lead_args(enquiry) == {
        "tour_code": "EBC",
        "pax": 3,
        "travel_month": "2025-03",
        "travel_date": None,
    }


def test_a_day_reaches_the_lead_as_an_iso_date() -> None:
    enquiry = understand_enquiry("EBC on 20th March 2025 for 2", CATALOGUE, today=TODAY)
    assert enquiry is not None
    assert create_lead_args(enquiry)["travel_date"] == "2025-03-20"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Everest Basecamp please", "EBC"),
        ("evrest base camp trek", "EBC"),
        ("how much is EBC?", "EBC"),
        ("annapurna circut in april", "ACT"),
        ("Anapurna Circuit Trek", "ACT"),
        ("the annapurna sanctuary", "ABC"),
        ("Annapurna Base Camp for 2", "ABC"),
        ("langtan valley", "LVT"),
        ("LANGTANG!!", "LVT"),
        ("the Everest View Trek looks nice", "EVT"),
        # Both named exactly: the longer, more specific name wins over the "Everest trek" alias.
        ("Everest trek or the Everest View Trek?", "EVT"),
    ],
)
def test_tours_are_recognised_despite_typos_and_aliases(text: str, code: str) -> None:
    match = match_tour(text, CATALOGUE)
    assert match is not None
    assert match.tour.code == code
    assert 0.86 <= match.score <= 1.0


@pytest.mark.parametrize(
    "text",
    [
        "Thanks!",
        "Hello",
        "message i",
        "ok",
        "yes",
        "What time is it?",
        "",
        "   ",
        "3 people in March",  # no tour named
        "Manaslu circuit trek for 2",  # a tour this operator does not sell
        "Upper Mustang trek",
    ],
)
def test_messages_that_name_no_tour_are_no_enquiry(text: str) -> None:
    assert understand_enquiry(text, CATALOGUE, today=TODAY) is None


@pytest.mark.parametrize(
    ("text", "code"),
    [("EBC", "EBC"), ("ebc?", "EBC"), ("the ACT", "ACT"), ("price for lvt", "LVT")],
)
def test_tour_codes_are_recognised_word_for_word(text: str, code: str) -> None:
    match = match_tour(text, CATALOGUE)
    assert match is not None and (match.tour.code, match.score) == (code, 1.0)


def test_a_code_is_never_matched_fuzzily() -> None:
    catalogue = (TourEntry("PKR", "Pokhara Sightseeing", ()),)
    assert match_tour("pkrs", catalogue) is None
    assert match_tour("pk r", catalogue) is None


def test_only_the_start_of_a_very_long_message_is_read() -> None:
    assert match_tour("word " * 400 + "Everest Base Camp", CATALOGUE) is None


def test_an_empty_catalogue_recognises_nothing() -> None:
    assert understand_enquiry("Everest Base Camp Trek", (), today=TODAY) is None


def test_short_names_must_match_exactly() -> None:
    catalogue = (TourEntry("MPC", "Mera Peak Climb", ("Mera",)),)
    assert match_tour("is mera open?", catalogue) is not None
    # 89 by fuzzy ratio, enough for a longer name, but a short one must be exact.
    assert match_tour("meras", catalogue) is None


@pytest.mark.parametrize(
    ("text", "pax"),
    [
        ("3 people", 3),
        ("for 3", 3),
        ("for 3, in March", 3),
        ("3 pax", 3),
        ("3pax", 3),
        ("two of us", 2),
        ("family of 4", 4),
        ("group of twelve", 12),
        ("we are 5", 5),
        ("me and my wife", 2),
        ("My husband and I", 2),
        ("we are a couple", 2),
        ("2 adults and 2 kids", 4),
        ("solo", 1),
        ("just me", 1),
        ("for five people", 5),
        ("a group of 6", 6),
        ("group of fourteen", 14),
        ("me and 2 friends", 3),
        ("I and my 3 kids", 4),
        ("travelling alone", 1),
        ("for 50 people", 50),
        ("for 51 people", None),  # more than one enquiry is taken to be for
        ("Everest Base Camp for 12 days in May 2025 for 3", 3),
        # Numbers that are dates, durations or sizes of something else.
        ("20th March 2025", None),
        ("for 12 days", None),
        ("for 3 march", None),
        ("for 3rd March", None),
        ("for 3-day trek", None),
        ("in 2025", None),
        ("for 2025", None),
        ("for 500 usd", None),
        ("for 100 people", None),  # more than one enquiry is taken to be for
        ("3 kids", None),
        ("a couple of days", None),
        ("someone told me", None),
        ("", None),
    ],
)
def test_party_size(text: str, pax: int | None) -> None:
    assert party_size(text) == pax


@pytest.mark.parametrize(
    ("text", "today", "month", "day"),
    [
        ("in March 2025", TODAY, "2025-03", None),
        ("in March", TODAY, "2025-03", None),
        ("in march", date(2025, 3, 25), "2025-03", None),  # this March while it lasts
        ("in March", date(2025, 4, 2), "2026-03", None),  # else the next one
        ("sept 2025", TODAY, "2025-09", None),
        ("20th March 2025", TODAY, "2025-03", date(2025, 3, 20)),
        ("March 20th, 2025", TODAY, "2025-03", date(2025, 3, 20)),
        ("the 20th of march", TODAY, "2025-03", date(2025, 3, 20)),
        ("on 5 Jan", TODAY, "2026-01", date(2026, 1, 5)),  # a day already gone: next year's
        ("on 10 Jan", TODAY, "2025-01", date(2025, 1, 10)),  # today itself still counts
        ("next Friday", TODAY, "2025-01", date(2025, 1, 17)),
        ("on Monday", TODAY, "2025-01", date(2025, 1, 13)),  # the coming one, not the last
        ("this coming friday", date(2025, 1, 8), "2025-01", date(2025, 1, 10)),
        ("tomorrow", TODAY, "2025-01", date(2025, 1, 11)),
        ("in 3 days", TODAY, "2025-01", date(2025, 1, 13)),
        ("in two weeks", date(2025, 1, 25), "2025-02", None),
        ("next month", TODAY, "2025-02", None),
        ("in May", TODAY, "2025-05", None),
        ("May 2025", TODAY, "2025-05", None),
        ("for 3 people in March 2025", TODAY, "2025-03", None),
        ("in March 3 people", TODAY, "2025-03", None),
        ("mid-April", TODAY, "2025-04", None),
        ("mid-May", TODAY, "2025-05", None),  # a cue makes "may" the month
        ("early-june", TODAY, "2025-06", None),
        ("03/2025", TODAY, "2025-03", None),
        ("3-2025", TODAY, "2025-03", None),
        ("2025-03", TODAY, "2025-03", None),
        ("2025-03-20", TODAY, "2025-03", date(2025, 3, 20)),
        ("20/03/2025", TODAY, "2025-03", date(2025, 3, 20)),
        ("04.03.2025", TODAY, "2025-03", date(2025, 3, 4)),  # day first
        ("03/20/2025", TODAY, "2025-03", date(2025, 3, 20)),  # can only be month first
        ("13/13/2025", TODAY, None, None),
        ("1.5/2025", TODAY, None, None),  # mixed separators: no date
        ("EBC-251005", TODAY, None, None),  # a trip reference holds a date, but is no phrase
        ("booking EBC-2501234", TODAY, None, None),
        ("+977-9800-000001", TODAY, None, None),
        # No travel time said.
        ("may I ask the price?", TODAY, None, None),
        ("3 people", TODAY, None, None),
        ("marching band", TODAY, None, None),
        ("February 30", TODAY, None, None),
        ("next year", TODAY, None, None),
        ("", TODAY, None, None),
    ],
)
def test_travel_time(text: str, today: date, month: str | None, day: date | None) -> None:
    when = travel_time(text, today=today)
    assert (when.month, when.date) == (month, day)


def test_the_first_travel_time_said_is_the_one_taken() -> None:
    when = travel_time("tomorrow, or else in March", today=TODAY)
    assert when.date == date(2025, 1, 11)


def test_a_whole_enquiry_with_typos_a_date_and_a_party() -> None:
    text = "hey, annapurna circut next friday, family of 4?"
    enquiry = understand_enquiry(text, CATALOGUE, today=TODAY)
    assert enquiry is not None
    assert (enquiry.tour_code, enquiry.pax, enquiry.travel_month, enquiry.travel_date) == (
        "ACT",
        4,
        "2025-01",
        date(2025, 1, 17),
    )
    assert 0.86 <= enquiry.confidence < 1.0


@given(st.text(max_size=300))
def test_understanding_never_raises_on_arbitrary_text(text: str) -> None:
    enquiry = understand_enquiry(text, CATALOGUE, today=TODAY)
    if enquiry is not None:
        assert enquiry.tour_code in {tour.code for tour in CATALOGUE}
        assert enquiry.pax is None or 1 <= enquiry.pax
        assert 0.0 < enquiry.confidence <= 1.0


words = st.sampled_from(
    ["Everest", "base", "camp", "for", "3", "in", "March", "may", "next", "friday", "2025",
     "20th", "of", "us", "people", "me", "and", "my", "wife", "12", "days", "-", ",", "!"]
)  # fmt: skip


@given(st.lists(words, max_size=30).map(" ".join))
def test_understanding_never_raises_on_enquiry_like_text(text: str) -> None:
    understand_enquiry(text, CATALOGUE, today=TODAY)
