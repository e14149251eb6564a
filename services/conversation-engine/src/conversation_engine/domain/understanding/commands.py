"""The field staff's command grammar, typed over WhatsApp:

    ACCEPT [ref]              DECLINE [ref] [reason]     CHECKIN <ref> [note]
    ISSUE <ref> <text>        UPDATE <ref> <text>        RESOLVED <ref> [text]
    CHECKOUT <ref> [note]     STATUS <ref>               HELP

``ref`` is a trip reference (``EBC-251005``); STATUS also takes a booking reference
(``EBC-2501234``). Keywords are read in any case and with the spellings people type
("check-in", "Check in", "checkin:"); the reference may come anywhere after the keyword,
and what is left, trimmed of separators ("issue EBC251005 - Ram twisted his ankle"), is the
text. A message that starts with a keyword but lacks what the command needs is still a
command, with no ``name`` and a ``problem`` to send back showing the right form.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from waops_contracts.references import (
    FoundReference,
    find_booking_reference,
    find_trip_reference,
)

from conversation_engine.domain.understanding.intents import severity_of


@dataclass(frozen=True)
class StaffCommand:
    """A parsed command: ``keyword`` as canonically spelled ("CHECKIN"); ``name`` and ``args``
    the ``CommandRequested`` to ask (optional args left out when not given); ``problem`` a
    short explanation when the command cannot be asked as typed (then ``name`` is None).
    HELP has neither name nor problem: the dialogue answers it itself."""

    keyword: str
    name: str | None
    args: dict[str, Any]
    problem: str | None = None


# Canonical keyword -> the spellings it is typed in (regex, matched at the message's start);
# the past tense too ("checked in EBC-251005"): it reports the same thing.
KEYWORDS: dict[str, str] = {
    "ACCEPT": r"accept(?:ed)?",
    "DECLINE": r"declined?",
    "CHECKIN": r"check(?:ed)?[\s_-]*in",
    "CHECKOUT": r"check(?:ed)?[\s_-]*out",
    "ISSUE": r"issue|incident",
    "UPDATE": r"update",
    "RESOLVED": r"resolved?",
    "STATUS": r"status",
    "HELP": r"help",
}
_KEYWORD = re.compile(
    r"^[\s/*_.!#>-]*(?:"
    + "|".join(f"(?P<{keyword}>{spelling})" for keyword, spelling in KEYWORDS.items())
    + r")(?![a-z0-9])",
    re.IGNORECASE,
)
# Between the parts: spaces and the punctuation people put there ("checkin: x", "x - text").
_SEPARATORS = " \t\r\n:;,.-–—!*#"
# A word that looks like a reference typed wrong ("EBC-2510"): with ACCEPT or DECLINE, whose
# reference is optional, it must not pass for "no reference" and act on another offer.
_REFERENCE_LIKE = re.compile(r"(?<![a-z0-9])[a-z][a-z0-9]{1,7}[-_/]?\d{3,}(?![a-z0-9])", re.I)

Parser = Callable[[str, str], StaffCommand]  # (keyword, the text after it)

TRIP_EXAMPLE = "EBC-251005"
BOOKING_EXAMPLE = "EBC-2501234"


def parse_staff_command(text: str) -> StaffCommand | None:
    """The command ``text`` starts with, or None when it starts with no command keyword."""
    found = _KEYWORD.match(text)
    if found is None or found.lastgroup is None:
        return None
    keyword = found.lastgroup
    rest = text[found.end() :]
    return _PARSERS[keyword](keyword, rest)


def _accept(keyword: str, rest: str) -> StaffCommand:
    return _optional_trip(keyword, "AcceptAssignment", rest, text_arg=None)


def _decline(keyword: str, rest: str) -> StaffCommand:
    return _optional_trip(keyword, "DeclineAssignment", rest, text_arg="reason")


def _optional_trip(keyword: str, name: str, rest: str, *, text_arg: str | None) -> StaffCommand:
    """ACCEPT / DECLINE: without a reference they answer the pending offer."""
    trip = find_trip_reference(rest)
    if trip is None and (typo := _REFERENCE_LIKE.search(rest)):
        return _problem(
            keyword,
            f"{typo[0]} is not a trip reference. Use the tour code and start date, "
            f"e.g. {keyword} {TRIP_EXAMPLE}, or just {keyword} for the offer you were sent.",
        )
    args: dict[str, Any] = {}
    remainder = rest
    if trip is not None:
        args["trip_ref"] = trip.reference
        remainder = _without(rest, trip)
    if text_arg is not None and (said := _text(remainder)):
        args[text_arg] = said
    return StaffCommand(keyword, name, args)


def _needs_trip(name: str, text_arg: str, *, text_required: bool, example: str) -> Parser:
    """CHECKIN, CHECKOUT, UPDATE, ISSUE, RESOLVED: a trip reference, then text."""

    def parse(keyword: str, rest: str) -> StaffCommand:
        trip = find_trip_reference(rest)
        if trip is None:
            return _problem(keyword, _missing_trip(keyword, rest, example))
        said = _text(_without(rest, trip))
        if said is None and text_required:
            return _problem(
                keyword,
                f"{keyword} needs a few words after the trip reference, "
                f"e.g. {keyword} {trip.reference} {example}",
            )
        args: dict[str, Any] = {"trip_ref": trip.reference}
        if said is not None:
            args[text_arg] = said
            if name == "ReportIncident":
                args["severity"] = severity_of(said)
        return StaffCommand(keyword, name, args)

    return parse


def _status(keyword: str, rest: str) -> StaffCommand:
    """A booking's status or a trip's, by the reference given (the first, if both are)."""
    booking, trip = find_booking_reference(rest), find_trip_reference(rest)
    if trip is not None and (booking is None or trip.start < booking.start):
        return StaffCommand(keyword, "CheckTripStatus", {"trip_ref": trip.reference})
    if booking is not None:
        return StaffCommand(keyword, "CheckBookingStatus", {"reference": booking.reference})
    return _problem(
        keyword,
        f"STATUS needs a booking reference (e.g. STATUS {BOOKING_EXAMPLE}) "
        f"or a trip reference (e.g. STATUS {TRIP_EXAMPLE})",
    )


def _help(keyword: str, rest: str) -> StaffCommand:
    return StaffCommand(keyword, None, {})


def _missing_trip(keyword: str, rest: str, example: str) -> str:
    form = f"e.g. {keyword} {TRIP_EXAMPLE}" + (f" {example}" if example else "")
    booking = find_booking_reference(rest)
    if booking is not None:
        return (
            f"{booking.reference} is a booking reference; {keyword} needs the trip reference "
            f"(tour code and start date), {form}"
        )
    return f"{keyword} needs the trip reference (tour code and start date), {form}"


def _problem(keyword: str, problem: str) -> StaffCommand:
    return StaffCommand(keyword, None, {}, problem)


def _without(text: str, ref: FoundReference) -> str:
    """``text`` with the reference cut out (the words either side kept, one space between)."""
    return f"{text[: ref.start].rstrip()} {text[ref.end :].lstrip()}"


def _text(text: str) -> str | None:
    """The words left, trimmed of separators; None when nothing but separators is left."""
    said = text.strip().lstrip(_SEPARATORS).strip()
    said = said.rstrip(" \t\r\n:;,-–—")
    return said if any(ch.isalnum() for ch in said) else None


_PARSERS: dict[str, Parser] = {
    "ACCEPT": _accept,
    "DECLINE": _decline,
    "CHECKIN": _needs_trip("CheckIn", "note", text_required=False, example=""),
    "CHECKOUT": _needs_trip("CheckOut", "note", text_required=False, example=""),
    "UPDATE": _needs_trip("PostTripUpdate", "text", text_required=True, example="reached camp 2"),
    "ISSUE": _needs_trip(
        "ReportIncident", "text", text_required=True, example="Ram twisted his ankle"
    ),
    "RESOLVED": _needs_trip("ResolveIncident", "text", text_required=False, example=""),
    "STATUS": _status,
    "HELP": _help,
}
