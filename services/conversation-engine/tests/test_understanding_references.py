"""Booking and trip references found in what people type, in the core's normalised form."""

from __future__ import annotations

import pytest
from conversation_engine.domain.understanding import booking_reference, trip_reference
from conversation_engine.domain.understanding.references import find_trip_reference
from hypothesis import given
from hypothesis import strategies as st


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


def test_the_core_reads_the_normalised_forms_alike() -> None:
    """The core's own parsers (core.domain.trips / bookings) accept what these produce."""
    trips = pytest.importorskip("core.domain.trips")
    bookings = pytest.importorskip("core.domain.bookings")
    assert trips.parse_reference(trip_reference("ebc 251005") or "") == "EBC-251005"
    booking = booking_reference("ebc2501234") or ""
    assert bookings.reference_key(booking) == bookings.reference_key("EBC-2501234")


@given(st.text(max_size=200))
def test_references_never_raise_and_are_always_normalised(text: str) -> None:
    for reference, digits in ((booking_reference(text), 7), (trip_reference(text), 6)):
        if reference is not None:
            code, number = reference.split("-")
            assert code.isupper() or any(ch.isdigit() for ch in code)
            assert 2 <= len(code) <= 8 and len(number) == digits and number.isdigit()
