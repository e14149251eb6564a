"""The dialogue's replies: template names and the variables each is rendered with.

The English texts live with the notifier (``notifier/templates/dialogue.toml``), which
renders them; a missing variable renders empty, and a line whose every variable is empty is
left out. Flags (``sorry``, ``welcome_back``, ``help``) switch on a line of their own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from conversation_engine.domain.dialogue.model import Say, Turn
from conversation_engine.domain.dialogue.states import (
    BOOKING,
    BOOKING_REF,
    ENQUIRY,
    MENU,
    QUOTE_CHANGE,
    QUOTE_OFFERED,
    WAITLIST_OFFERED,
)

MENU_REPLY = "dialogue.menu"
ASK_TOUR = "dialogue.ask_tour"
ASK_PAX = "dialogue.ask_pax"
ASK_MONTH = "dialogue.ask_month"
QUOTE_HELP = "dialogue.help.quote_offered"
QUOTE_CHANGE_ASK = "dialogue.quote_change"
QUOTE_CHANGE_NOTED = "dialogue.quote_change_noted"
ASK_BOOKING_REFERENCE = "dialogue.ask_booking_reference"
BOOKING_HELP = "dialogue.help.booking"
WAITLIST_OFFER_HELP = "dialogue.help.waitlist_offered"
THANKS = "dialogue.thanks"
RECEIVED = "dialogue.received"
UNSUPPORTED = "dialogue.unsupported"
STAFF_PROBLEM = "dialogue.staff.problem"
STAFF_WHICH_OFFER = "dialogue.staff.which_offer"
STAFF_HELP = {
    "FIELD_STAFF": "dialogue.staff.help.field_staff",
    "SALES": "dialogue.staff.help.sales",
    "OPERATIONS": "dialogue.staff.help.operations",
    "MANAGER": "dialogue.staff.help.manager",
}
ENQUIRY_QUESTIONS = {"tour": ASK_TOUR, "pax": ASK_PAX, "month": ASK_MONTH}

# Every template the dialogue may ask for (a test checks each has a text).
TEMPLATES = frozenset(
    {
        MENU_REPLY,
        *ENQUIRY_QUESTIONS.values(),
        QUOTE_HELP,
        QUOTE_CHANGE_ASK,
        QUOTE_CHANGE_NOTED,
        ASK_BOOKING_REFERENCE,
        BOOKING_HELP,
        WAITLIST_OFFER_HELP,
        THANKS,
        RECEIVED,
        UNSUPPORTED,
        STAFF_PROBLEM,
        STAFF_WHICH_OFFER,
        *STAFF_HELP.values(),
    }
)
# How many tour names an "which tour?" question offers as examples.
TOUR_EXAMPLES = 5


def name_part(turn: Turn) -> str:
    """ ", Asha" after a greeting word, or nothing when the name is not known."""
    name = (turn.context.name or "").strip()
    return f", {name}" if name else ""


def _base(turn: Turn, *, sorry: bool) -> dict[str, Any]:
    # "Sorry, I did not catch that." is not followed by "Hi, Asha!".
    return {
        "name_part": "" if sorry else name_part(turn),
        "sorry": sorry,
        "welcome_back": turn.resumed and not sorry,
    }


def menu(turn: Turn, *, sorry: bool = False) -> Say:
    return Say(MENU_REPLY, _base(turn, sorry=sorry))


def enquiry_question(turn: Turn, asking: str, draft: Mapping[str, Any], **flags: bool) -> Say:
    variables = {
        **_base(turn, sorry=flags.get("sorry", False)),
        "tour_name": draft.get("tour_name"),
        "help": flags.get("help", False),
    }
    if asking == "tour":
        variables["tour_list"] = ", ".join(turn.tour_names[:TOUR_EXAMPLES]) or None
        variables["waitlist"] = flags.get("waitlist", False)
    return Say(ENQUIRY_QUESTIONS[asking], variables)


def quote_help(turn: Turn, *, sorry: bool = False) -> Say:
    quote = turn.data.get("quote") or {}
    return Say(
        QUOTE_HELP,
        {
            **_base(turn, sorry=sorry),
            "lead_reference": quote.get("reference"),
            "tour_name": quote.get("tour_name"),
            "departure_start": quote.get("departure_start"),
            "pax": quote.get("pax"),
            "total": _money(quote),
        },
    )


def quote_change(turn: Turn, *, help: bool = False) -> Say:
    quote = turn.data.get("quote") or {}
    return Say(QUOTE_CHANGE_ASK, {"rep_name": quote.get("rep_name"), "help": help})


def quote_change_noted(turn: Turn) -> Say:
    quote = turn.data.get("quote") or {}
    rep_name, reference = quote.get("rep_name"), quote.get("reference")
    return Say(
        QUOTE_CHANGE_NOTED,
        {
            "rep_name": rep_name,
            "no_rep": not rep_name,
            "lead_reference": reference,
            "no_reference": not reference,
        },
    )


def ask_booking_reference(turn: Turn, *, sorry: bool = False) -> Say:
    return Say(ASK_BOOKING_REFERENCE, {"sorry": sorry})


def booking_help(turn: Turn, *, sorry: bool = False) -> Say:
    booking = turn.data.get("booking") or {}
    return Say(
        BOOKING_HELP,
        {
            **_base(turn, sorry=sorry),
            "booking_reference": booking.get("reference") or _bound_reference(turn, "BOOKING"),
            "tour_name": booking.get("tour_name"),
            "start_date": booking.get("start_date"),
        },
    )


def waitlist_offer_help(turn: Turn, *, sorry: bool = False) -> Say:
    offer = turn.data.get("waitlist_offer") or {}
    return Say(
        WAITLIST_OFFER_HELP,
        {
            **_base(turn, sorry=sorry),
            "booking_reference": offer.get("reference"),
            "tour_name": offer.get("tour_name"),
            "start_date": offer.get("start_date"),
            "pax": offer.get("pax"),
        },
    )


def thanks(turn: Turn) -> Say:
    return Say(THANKS, {"name_part": name_part(turn)})


def received(turn: Turn) -> Say:
    return Say(RECEIVED, {"name_part": name_part(turn), "kind": turn.kind})


def unsupported(turn: Turn) -> Say:
    return Say(UNSUPPORTED, {"name_part": name_part(turn)})


def staff_help(turn: Turn, *, sorry: bool = False) -> Say:
    template = STAFF_HELP.get(turn.context.role, STAFF_HELP["FIELD_STAFF"])
    return Say(template, {**_base(turn, sorry=sorry), "welcome_back": False})


def staff_problem(problem: str) -> Say:
    return Say(STAFF_PROBLEM, {"problem": problem})


def which_offer(keyword: str, trip_references: list[str]) -> Say:
    return Say(
        STAFF_WHICH_OFFER,
        {
            "keyword": keyword,
            "trip_references": ", ".join(trip_references),
            "example": trip_references[0],
        },
    )


def help_for(turn: Turn, *, sorry: bool = False) -> Say:
    """What can be said in the turn's state: its question again, or its menu."""
    state = turn.state
    if state == ENQUIRY:
        draft = turn.data.get("enquiry") or {}
        asking = draft.get("asking") or "tour"
        return enquiry_question(turn, asking, draft, sorry=sorry, help=True)
    if state == QUOTE_OFFERED:
        return quote_help(turn, sorry=sorry)
    if state == QUOTE_CHANGE:
        return quote_change(turn, help=True)
    if state == BOOKING_REF:
        return ask_booking_reference(turn, sorry=sorry)
    if state == BOOKING:
        return booking_help(turn, sorry=sorry)
    if state == WAITLIST_OFFERED:
        return waitlist_offer_help(turn, sorry=sorry)
    if state == MENU:
        return menu(turn, sorry=sorry)
    return staff_help(turn, sorry=sorry)


def _money(quote: Mapping[str, Any]) -> str | None:
    total, currency = quote.get("total"), quote.get("currency")
    if not total:
        return None
    return f"{currency} {total}" if currency else str(total)


def _bound_reference(turn: Turn, object_type: str) -> str | None:
    bound = turn.context.bound
    return bound.reference if bound is not None and bound.type == object_type else None
