"""Lead, booking and trip references: printed by the core, found in what people type,
read back in the core's form (one module for the core, the orchestrator and the conversation
engine)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from waops_contracts.references import (
    booking_reference,
    find_trip_reference,
    format_booking_reference,
    format_lead_reference,
    format_trip_reference,
    parse_trip_reference,
    reference_key,
    trip_reference,
)


@pytest.mark.parametrize(
    ("text", "reference"),
    [
        ("EBC-2501234", "EBC-2501234"),
        ("EBC2501234", "EBC-2501234"),
        ("ebc-2501234", "EBC-2501234"),
        ("EBC 2501234", "EBC-2501234"),
        ("ebc - 2501234", "EBC-2501234"),
        ("EBC/2501234", "EBC-2501234"),
        ("my booking is EBC-2501234, thanks!", "EBC-2501234"),
        ("(ref: anc2500012)", "ANC-2500012"),
        ("K2B-2500001", "K2B-2500001"),  # a code with a digit, typed with a dash
        ("LONGCODE-2500001", "LONGCODE-2500001"),
        # Not one.
        ("EBC-251005", None),  # 6 digits: a trip
        ("EBC-25012345", None),  # 8 digits
        ("EBC-250123", None),
        ("E-2501234", None),  # a code has 2..8 characters
        ("TOOLONGCODE-2501234", None),
        ("XEBC2501234Y", None),  # inside a longer word
        ("2501234", None),
        ("12-2501234", None),  # a code has a letter
        ("call me at 2501234", None),  # "at" is a word, not a code
        ("my number is 2501234", None),
        ("T102501234", None),  # T10-2501234 or T1-02501234? Typed joined, a code ends in a letter
        ("+977 9801234567", None),
        ("", None),
    ],
)
def test_booking_reference(text: str, reference: str | None) -> None:
    assert booking_reference(text) == reference


@pytest.mark.parametrize(
    ("text", "reference"),
    [
        ("EBC-251005", "EBC-251005"),
        ("EBC251005", "EBC-251005"),
        ("ebc 251005", "EBC-251005"),
        ("ebc_251005", "EBC-251005"),
        ("checkin: ebc 251005!", "EBC-251005"),
        ("the trip PKR-250320 is tomorrow", "PKR-250320"),
        ("T10-251005", "T10-251005"),
        # Not one.
        ("EBC-2501234", None),  # 7 digits: a booking
        ("EBC-25100", None),
        ("EBC-251399", None),  # no 99th of a 13th month
        ("EBC-250230", None),  # no 30th of February
        ("2025-10-05", None),
        ("on 251005", None),
        ("", None),
    ],
)
def test_trip_reference(text: str, reference: str | None) -> None:
    assert trip_reference(text) == reference


def test_a_sentence_with_both_gives_each_its_own() -> None:
    text = "booking ebc2501234 on trip EBC 251005"
    assert (booking_reference(text), trip_reference(text)) == ("EBC-2501234", "EBC-251005")


def test_the_first_reference_said_is_taken() -> None:
    assert trip_reference("EBC-251005 or ANC-251112") == "EBC-251005"


def test_a_found_reference_knows_where_it_was_typed() -> None:
    found = find_trip_reference("UPDATE ebc 251005 all good")
    assert found is not None
    assert (found.reference, found.start, found.end) == ("EBC-251005", 7, 17)


def test_what_is_found_in_text_reads_back_as_a_whole() -> None:
    """A reference found in a sentence is one the whole-string reading and the key accept."""
    assert parse_trip_reference(trip_reference("ebc 251005") or "") == "EBC-251005"
    booking = booking_reference("ebc2501234") or ""
    assert reference_key(booking) == reference_key("EBC-2501234")


def test_lead_reference_is_tour_two_digit_year_and_five_digits() -> None:
    assert format_lead_reference("EBC", 2025, 1234) == "EBC2501234"
    assert format_lead_reference("ANC", 2030, 1) == "ANC3000001"
    assert format_lead_reference("PKR", 2026, 123456) == "PKR26123456"  # grows, never wraps
    with pytest.raises(ValueError):
        format_lead_reference("EBC", 2025, 0)


def test_booking_references() -> None:
    assert format_booking_reference("EBC", 2025, 1234) == "EBC-2501234"
    assert format_booking_reference("PKR", 2031, 123456) == "PKR-31123456"
    assert reference_key("ebc-25 01234") == reference_key("EBC2501234") == "EBC2501234"


def test_trip_references_are_tour_and_start_date_and_typed_any_way() -> None:
    assert format_trip_reference("ebc", date(2025, 10, 5)) == "EBC-251005"
    for typed in ("EBC-251005", "ebc-251005", " Ebc 251005 ", "ebc_251005", "ebc251005"):
        assert parse_trip_reference(typed) == "EBC-251005"
    for junk in ("EBC", "251005", "EBC-2510", "E-251005", "hello there", "", "1251005"):
        assert parse_trip_reference(junk) is None


def test_a_whole_trip_reference_takes_any_catalogue_code() -> None:
    """Unlike a sentence, a whole string may name an all-digit tour code (the catalogue allows
    one); joined, the code must still end in a letter."""
    assert parse_trip_reference("12-251005") == "12-251005"
    assert parse_trip_reference("PKR / 261120") == "PKR-261120"
    assert parse_trip_reference("T10251005") is None
    assert parse_trip_reference("EBC-251399") is None  # no such day


@given(st.text(max_size=200))
def test_references_never_raise_and_are_always_normalised(text: str) -> None:
    for reference, digits in ((booking_reference(text), 7), (trip_reference(text), 6)):
        if reference is not None:
            code, number = reference.split("-")
            assert code.isupper() or any(ch.isdigit() for ch in code)
            assert 2 <= len(code) <= 8 and len(number) == digits and number.isdigit()
