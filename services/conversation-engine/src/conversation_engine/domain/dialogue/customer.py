"""The customer flow as tables: for each state, the rules tried in turn (each gives an
``Outcome`` or passes with None) and what is said when none took the message.

Every message is tried, in order, against:
1. "menu" (back to the main menu), HELP / "?" (what can be said here), and thanks ("ok
   thanks" acknowledges; it must not pass for the "ok" that accepts a quote);
2. a new enquiry: a message naming a tour starts one from any state (in the enquiry state it
   re-aims the one being collected), except the tour of the quote being discussed;
3. the state's own rules (its numbered menu by number or words, yes/no, the answer awaited);
4. a greeting (answered with the state's menu or question);
5. out-of-turn requests understood anywhere: join the waitlist, a booking reference;
6. the state's fallback: never silence, always the state's help ("sorry" first).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from waops_contracts.references import booking_reference

from conversation_engine.domain.context import (
    quote_answered,
    resting_state,
    waitlist_offer_closed,
)
from conversation_engine.domain.dialogue import enquiry, replies
from conversation_engine.domain.dialogue.model import Ask, Outcome, Turn, move, stay
from conversation_engine.domain.dialogue.states import (
    BOOKING,
    BOOKING_REF,
    ENQUIRY,
    MENU,
    QUOTE_CHANGE,
    QUOTE_OFFERED,
    WAITLIST_OFFERED,
)
from conversation_engine.domain.understanding.fuzzy import normalised
from conversation_engine.domain.understanding.intents import (
    MenuOption,
    is_greeting,
    is_help,
    menu_choice,
    yes_no,
)

Rule = Callable[[Turn], Outcome | None]

WAITLIST_WORDS = ("join waitlist", "join the waitlist", "waitlist", "wait list", "waiting list")
TEAM = MenuOption(
    "team", 3, ("talk to our team", "talk to your team", "team", "human", "agent", "call me")
)
MAIN_MENU = (
    MenuOption("plan", 1, ("plan a trip", "plan", "new trip", "enquiry", "book a trip")),
    MenuOption("booking", 2, ("my booking", "booking", "booking status", "status")),
    TEAM,
)
QUOTE_MENU = (
    MenuOption("accept", 1, ("hold the spots", "hold my spots", "accept", "accept the quote")),
    MenuOption("change", 2, ("change something", "change", "something else")),
    MenuOption("waitlist", 3, WAITLIST_WORDS),
)
WAITLIST_OFFER_MENU = (
    MenuOption("take", 1, ("take them", "take the seats", "take it", "accept", "book them")),
    MenuOption("decline", 2, ("decline", "let them go", "release them", "no thanks")),
)
# Not on any numbered menu: -1 is never typed as a choice.
_WAITLIST = (MenuOption("waitlist", -1, WAITLIST_WORDS),)
MENU_WORDS = frozenset({"menu", "main menu", "start", "start over", "restart", "back"})
_THANKS = re.compile(
    r"^\W*(?:ok(?:ay)?\W+|great\W+|perfect\W+)?(?:thanks?|thank\s*you|thx|ty|cheers|"
    r"dhanyabad|dhanyavad)(?:\s+(?:a\s+lot|so\s+much|very\s+much|again))?\W*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class StateTable:
    rules: tuple[Rule, ...]
    fallback: Callable[[Turn], Outcome]


def respond_customer(turn: Turn) -> Outcome:
    table = TABLES.get(turn.state, TABLES[MENU])
    for rule in (*BEFORE, *table.rules, *AFTER):
        outcome = rule(turn)
        if outcome is not None:
            return outcome
    return table.fallback(turn)


# --- rules every state tries --------------------------------------------------------------


def back_to_menu(turn: Turn) -> Outcome | None:
    if normalised(turn.text) not in MENU_WORDS:
        return None
    data = {key: value for key, value in turn.data.items() if key != "enquiry"}
    return move(turn, MENU, data, reply=replies.menu(turn))


def help_asked(turn: Turn) -> Outcome | None:
    return stay(turn, replies.help_for(turn)) if is_help(turn.text) else None


def thanked(turn: Turn) -> Outcome | None:
    return stay(turn, replies.thanks(turn)) if _THANKS.match(turn.text) else None


def new_enquiry(turn: Turn) -> Outcome | None:
    if turn.enquiry is None or booking_reference(turn.text):
        return None  # a booking reference starts with a tour code: it is no enquiry
    quote = turn.data.get("quote") or {}
    if turn.state in (QUOTE_OFFERED, QUOTE_CHANGE) and turn.enquiry.tour_code == quote.get(
        "tour_code"
    ):
        return None  # about the quote being discussed: the state's rules decide
    offer = turn.data.get("waitlist_offer") or {}
    if turn.state == WAITLIST_OFFERED and turn.enquiry.tour_code == offer.get("tour_code"):
        return None  # "yes, the Everest seats": about the seats offered
    return enquiry.start(turn)


def greeted(turn: Turn) -> Outcome | None:
    return stay(turn, replies.help_for(turn)) if is_greeting(turn.text) else None


def waitlist_asked(turn: Turn) -> Outcome | None:
    return join_waitlist(turn) if menu_choice(turn.text, _WAITLIST) else None


def booking_reference_given(turn: Turn) -> Outcome | None:
    reference = booking_reference(turn.text)
    if reference is None:
        return None
    state = resting_state(turn.context.role, turn.data) if turn.state == BOOKING_REF else None
    return move(
        turn, state or turn.state, command=Ask("CheckBookingStatus", {"reference": reference})
    )


# --- actions ------------------------------------------------------------------------------


def join_waitlist(turn: Turn) -> Outcome:
    """On the waitlist of the departure being discussed: an open quote's, else the
    booking's, else an earlier quote's. With none known, ask which tour (the enquiry then
    goes to sales as a lead)."""
    quote, booking = turn.data.get("quote") or {}, turn.data.get("booking") or {}
    candidates = (quote if quote.get("open") else {}, booking, quote)
    about = next((c for c in candidates if c.get("departure_id")), {})
    if not about:
        return enquiry.ask_for_tour(turn, waitlist=True)
    args = {"departure_id": about["departure_id"], "pax": about.get("pax")}
    lead_id = quote.get("lead_id") or booking.get("lead_id")
    if lead_id:
        args["lead_id"] = lead_id
    return stay_asking(turn, Ask("JoinWaitlist", args))


def my_booking(turn: Turn) -> Outcome:
    booking = turn.data.get("booking") or {}
    bound = turn.context.bound
    reference = booking.get("reference") or (
        bound.reference if bound is not None and bound.type == "BOOKING" else None
    )
    if reference is None:
        return move(turn, BOOKING_REF, reply=replies.ask_booking_reference(turn))
    return stay_asking(turn, Ask("CheckBookingStatus", {"reference": reference}))


def talk_to_team(turn: Turn) -> Outcome:
    """A person is asked for, about what the customer deals with: that lead's sales rep is
    told (the sales team when there is none). Their words go along when they said more than
    the menu choice."""
    args: dict[str, Any] = _dealt_with(turn)
    if not _bare_choice(turn.text, TEAM):
        args["text"] = turn.text.strip()
    return stay_asking(turn, Ask("RequestHandoff", args))


def _dealt_with(turn: Turn) -> dict[str, Any]:
    """The bound lead or booking, else the booking or enquiry known, as command args."""
    bound = turn.context.bound
    if bound is not None and bound.type in ("BOOKING", "LEAD"):
        return {f"{bound.type.lower()}_id": bound.id}
    for fact, key in (("booking", "booking_id"), ("lead", "lead_id"), ("quote", "lead_id")):
        if found := (turn.data.get(fact) or {}).get(key):
            return {key: found}
    return {}


def _bare_choice(text: str, option: MenuOption) -> bool:
    """Whether ``text`` only picks ``option`` ("3", "talk to our team") and says no more."""
    said = normalised(text)
    return said in {normalised(words) for words in option.words} or (
        menu_choice(text, (MenuOption(option.key, option.number, ()),)) == option.key
    )


def stay_asking(turn: Turn, command: Ask) -> Outcome:
    return Outcome(turn.context, command=command)


# --- the states' own rules ----------------------------------------------------------------


def main_menu(turn: Turn) -> Outcome | None:
    choice = menu_choice(turn.text, MAIN_MENU)
    if choice == "plan":
        return enquiry.ask_for_tour(turn)
    if choice == "booking":
        return my_booking(turn)
    if choice == "team":
        return talk_to_team(turn)
    return None


def changed_mind_before_a_tour(turn: Turn) -> Outcome | None:
    """Asked which tour, the customer picks another menu item in words ("my booking"). Once
    a tour is known, a message that answers nothing makes the lead instead (enquiry.py);
    numbers are never menu choices here (they answer "how many people?")."""
    draft = turn.data.get("enquiry") or {}
    if draft.get("tour_code") or turn.text.strip().isdigit():
        return None
    return main_menu(turn)


def quote_answer(turn: Turn) -> Outcome | None:
    choice = menu_choice(turn.text, QUOTE_MENU) or {"yes": "accept", "no": "change"}.get(
        yes_no(turn.text) or ""
    )
    if choice == "accept":
        return accept_quote(turn)
    if choice == "change":
        return move(turn, QUOTE_CHANGE, reply=replies.quote_change(turn))
    if choice == "waitlist":
        return join_waitlist(turn)
    return None


def accept_quote(turn: Turn) -> Outcome:
    quote = turn.data.get("quote") or {}
    answered = quote_answered(turn.context)
    context = replace(answered, state=resting_state(answered.role, answered.data))
    return Outcome(context, command=Ask("AcceptQuote", {"lead_id": quote.get("lead_id")}))


def accepted_after_all(turn: Turn) -> Outcome | None:
    return accept_quote(turn) if yes_no(turn.text) == "yes" else None


def change_noted(turn: Turn) -> Outcome:
    """What the customer wants changed is kept with the quote for the sales rep; the quote
    stays open (they may still take it)."""
    quote = {**(turn.data.get("quote") or {}), "change_request": turn.text.strip()}
    data = {**turn.data, "quote": quote}
    return move(
        turn, resting_state(turn.context.role, data), data, reply=replies.quote_change_noted(turn)
    )


def waitlist_offer_answer(turn: Turn) -> Outcome | None:
    choice = menu_choice(turn.text, WAITLIST_OFFER_MENU) or {"yes": "take", "no": "decline"}.get(
        yes_no(turn.text) or ""
    )
    if choice is None:
        return None
    offer = turn.data.get("waitlist_offer") or {}
    answered = waitlist_offer_closed(turn.context, offer)
    context = replace(answered, state=resting_state(answered.role, answered.data))
    name = "ConfirmWaitlistOffer" if choice == "take" else "DeclineWaitlistOffer"
    args = {"entry_id": offer.get("entry_id"), "booking_id": offer.get("booking_id")}
    # booking.held (or booking.cancelled) tells them: the core's event is the reply.
    return Outcome(context, command=Ask(name, args))


def not_understood(turn: Turn) -> Outcome:
    # The first message after a long pause is greeted back rather than apologised for.
    return stay(turn, replies.help_for(turn, sorry=not turn.resumed))


def booking_reference_unclear(turn: Turn) -> Outcome:
    return stay(turn, replies.ask_booking_reference(turn, sorry=True))


BEFORE: tuple[Rule, ...] = (back_to_menu, help_asked, thanked, new_enquiry)
AFTER: tuple[Rule, ...] = (greeted, waitlist_asked, booking_reference_given)
TABLES: dict[str, StateTable] = {
    MENU: StateTable((main_menu,), not_understood),
    ENQUIRY: StateTable((enquiry.answer, changed_mind_before_a_tour), enquiry.unanswered),
    QUOTE_OFFERED: StateTable((quote_answer,), not_understood),
    QUOTE_CHANGE: StateTable((accepted_after_all,), change_noted),
    BOOKING_REF: StateTable((booking_reference_given, main_menu), booking_reference_unclear),
    BOOKING: StateTable((main_menu,), not_understood),
    WAITLIST_OFFERED: StateTable((waitlist_offer_answer,), not_understood),
}
