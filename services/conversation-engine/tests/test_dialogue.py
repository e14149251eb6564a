"""The dialogue state machines as pure functions: one message in, the context after it and
at most one command and one reply out."""

from __future__ import annotations

import string
import tomllib
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from conversation_engine.domain.context import Bound, Context
from conversation_engine.domain.dialogue import replies
from conversation_engine.domain.dialogue.model import TEXT_KINDS, Outcome, Turn
from conversation_engine.domain.dialogue.respond import respond
from conversation_engine.domain.dialogue.states import (
    BOOKING,
    BOOKING_REF,
    CUSTOMER_STATES,
    ENQUIRY,
    MENU,
    QUOTE_CHANGE,
    QUOTE_OFFERED,
    STAFF,
    WAITLIST_OFFERED,
)
from conversation_engine.domain.understanding.enquiry import understand_enquiry
from conversation_engine.domain.understanding.tours import TourEntry

TODAY = date(2025, 1, 10)
CATALOGUE = (
    TourEntry("EBC", "Everest Base Camp Trek", ("EBC", "Everest base camp", "Everest trek")),
    TourEntry("ACT", "Annapurna Circuit Trek", ("Annapurna circuit",)),
)
QUOTE = {
    "quote_id": "q-1",
    "lead_id": "lead-1",
    "reference": "EBC2501234",
    "tour_code": "EBC",
    "tour_name": "Everest Base Camp Trek",
    "departure_id": "dep-1",
    "departure_start": "2025-10-05",
    "pax": 3,
    "total": "3915.00",
    "currency": "USD",
    "rep_name": "Sita Sharma",
    "open": True,
    "as_of": "2025-01-10T09:00:00+00:00",
}
BOOKING_FACTS = {
    "booking_id": "b-1",
    "reference": "EBC-2501234",
    "state": "CONFIRMED",
    "departure_id": "dep-2",
    "tour_name": "Everest Base Camp Trek",
    "start_date": "2025-10-05",
    "pax": 2,
    "as_of": "2025-01-10T09:00:00+00:00",
}
ENQUIRY_ASKING_PAX = {
    "tour_code": "EBC",
    "tour_name": "Everest Base Camp Trek",
    "asked": ["pax"],
    "asking": "pax",
    "texts": ["Everest base camp"],
}
WAITLIST_OFFER = {
    "entry_id": "e-1",
    "booking_id": "b-7",
    "reference": "EBC-2501277",
    "tour_code": "EBC",
    "tour_name": "Everest Base Camp Trek",
    "start_date": "2025-10-05",
    "pax": 2,
    "offer_expires_at": "2025-01-10T11:00:00+00:00",
    "open": True,
    "as_of": "2025-01-10T09:00:00+00:00",
}
OFFER = {
    "assignment_id": "a-1",
    "trip_reference": "EBC-251005",
    "answered": False,
    "as_of": "2025-01-10T09:00:00+00:00",
}
# Each customer state as it is reached in real life: with the data it rests on.
STATE_DATA: dict[str, dict[str, Any]] = {
    MENU: {},
    ENQUIRY: {"enquiry": ENQUIRY_ASKING_PAX},
    QUOTE_OFFERED: {"quote": QUOTE},
    QUOTE_CHANGE: {"quote": QUOTE},
    BOOKING_REF: {},
    BOOKING: {"booking": BOOKING_FACTS},
    WAITLIST_OFFERED: {"waitlist_offer": WAITLIST_OFFER},
}
STAFF_ROLES = ("FIELD_STAFF", "SALES", "OPERATIONS", "MANAGER")


def context(state: str = MENU, **changes: Any) -> Context:
    role = changes.pop("role", "CUSTOMER")
    data = changes.pop("data", STATE_DATA.get(state, {}))
    return Context(role=role, name=changes.pop("name", "Asha"), state=state, data=data, **changes)


def say(
    text: str,
    ctx: Context | None = None,
    *,
    kind: str = "text",
    resumed: bool = False,
    supported: bool = True,
) -> Outcome:
    ctx = ctx or context()
    understood = ctx.role == "CUSTOMER" and kind in TEXT_KINDS and text.strip()
    return respond(
        Turn(
            text=text,
            kind=kind,
            context=ctx,
            today=TODAY,
            enquiry=understand_enquiry(text, CATALOGUE, today=TODAY) if understood else None,
            tour_names=tuple(t.name for t in CATALOGUE),
            resumed=resumed,
            supported=supported,
        )
    )


def command_of(outcome: Outcome) -> tuple[str, dict[str, Any]] | None:
    return None if outcome.command is None else (outcome.command.name, outcome.command.args)


def template_of(outcome: Outcome) -> str | None:
    return None if outcome.reply is None else outcome.reply.template


# --- HELP, menus, and never silence ------------------------------------------------------


@pytest.mark.parametrize("state", CUSTOMER_STATES)
@pytest.mark.parametrize("text", ["HELP", "?", "help please", "what can I do"])
def test_every_customer_state_answers_help_and_stays(state: str, text: str) -> None:
    outcome = say(text, context(state))
    assert outcome.command is None
    assert template_of(outcome) in replies.TEMPLATES
    assert outcome.context.state == state


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_staff_help_lists_the_commands_of_their_role(role: str) -> None:
    outcome = say("HELP", context(STAFF, role=role, data={}))
    assert outcome.command is None
    assert template_of(outcome) == replies.STAFF_HELP[role]
    assert outcome.reply is not None and outcome.reply.variables["sorry"] is False


@pytest.mark.parametrize("state", [*CUSTOMER_STATES, STAFF])
@pytest.mark.parametrize("text", ["asdf qwerty", "🙂", "ok then what", "12345678"])
def test_unknown_input_always_gets_an_answer(state: str, text: str) -> None:
    role = "FIELD_STAFF" if state == STAFF else "CUSTOMER"
    outcome = say(text, context(state, role=role))
    # Either a reply, or a command whose result the notifier answers (a lead, a status).
    assert outcome.reply is not None or outcome.command is not None
    if outcome.reply is not None:
        assert outcome.reply.template in replies.TEMPLATES


@pytest.mark.parametrize("state", CUSTOMER_STATES)
def test_menu_goes_back_to_the_main_menu_keeping_what_is_known(state: str) -> None:
    outcome = say("menu", context(state))
    assert (outcome.context.state, template_of(outcome)) == (MENU, replies.MENU_REPLY)
    assert "enquiry" not in outcome.context.data
    assert outcome.context.data.get("quote") == STATE_DATA[state].get("quote")


@pytest.mark.parametrize(
    ("text", "state", "template", "command"),
    [
        ("1", ENQUIRY, replies.ASK_TOUR, None),
        ("Plan a trip", ENQUIRY, replies.ASK_TOUR, None),
        ("option 1 please", ENQUIRY, replies.ASK_TOUR, None),
        ("2", BOOKING_REF, replies.ASK_BOOKING_REFERENCE, None),
        ("my booking", BOOKING_REF, replies.ASK_BOOKING_REFERENCE, None),
        ("3", MENU, None, ("RequestHandoff", {})),
        ("talk to your team", MENU, None, ("RequestHandoff", {})),
    ],
)
def test_the_main_menu_by_number_or_words(
    text: str, state: str, template: str, command: Any
) -> None:
    outcome = say(text, context(MENU))
    assert (outcome.context.state, template_of(outcome), command_of(outcome)) == (
        state,
        template,
        command,
    )


@pytest.mark.parametrize("text", ["2", "my booking", "status", "booking status?"])
def test_my_booking_asks_its_status_when_a_booking_is_known(text: str) -> None:
    outcome = say(text, context(BOOKING))
    assert command_of(outcome) == ("CheckBookingStatus", {"reference": "EBC-2501234"})
    assert outcome.reply is None  # the status itself is the reply (done.CheckBookingStatus)


def test_a_booking_bound_by_a_command_is_known_too() -> None:
    bound = Bound("BOOKING", "b-9", "ACT-2500042")
    outcome = say("2", context(MENU, bound=bound))
    assert command_of(outcome) == ("CheckBookingStatus", {"reference": "ACT-2500042"})


def test_a_greeting_gets_the_states_menu_with_the_name() -> None:
    outcome = say("Hi!", context(MENU))
    assert template_of(outcome) == replies.MENU_REPLY
    assert outcome.reply is not None and outcome.reply.variables["name_part"] == ", Asha"
    quote = say("Namaste", context(QUOTE_OFFERED))
    assert (template_of(quote), quote.context.state) == (replies.QUOTE_HELP, QUOTE_OFFERED)
    assert quote.reply is not None and quote.reply.variables["total"] == "USD 3915.00"


def test_not_understood_says_sorry_but_after_a_pause_says_welcome_back() -> None:
    sorry = say("blah", context(MENU))
    assert sorry.reply is not None
    assert (sorry.reply.variables["sorry"], sorry.reply.variables["welcome_back"]) == (True, False)
    back = say("blah", context(MENU), resumed=True)
    assert back.reply is not None
    assert (back.reply.variables["sorry"], back.reply.variables["welcome_back"]) == (False, True)


# --- the enquiry flow --------------------------------------------------------------------


def test_a_complete_enquiry_becomes_a_lead_at_once_without_a_reply() -> None:
    outcome = say("Everest Base Camp Trek for 3 people in March 2025")
    assert command_of(outcome) == (
        "CreateLead",
        {"tour_code": "EBC", "pax": 3, "travel_month": "2025-03", "travel_date": None},
    )
    assert outcome.reply is None  # lead.created acknowledges the customer
    assert outcome.context.state == MENU


def test_missing_party_size_and_month_are_asked_one_by_one_and_merged() -> None:
    first = say("Hi, I'd like to do the Everest base camp trek")
    assert (first.context.state, template_of(first)) == (ENQUIRY, replies.ASK_PAX)
    assert (
        first.reply is not None and first.reply.variables["tour_name"] == "Everest Base Camp Trek"
    )
    second = say("3", first.context)
    assert (second.context.state, template_of(second)) == (ENQUIRY, replies.ASK_MONTH)
    third = say("in March please", second.context)
    assert command_of(third) == (
        "CreateLead",
        {"tour_code": "EBC", "pax": 3, "travel_month": "2025-03", "travel_date": None},
    )
    assert third.command is not None
    assert third.command.source_text == (
        "Hi, I'd like to do the Everest base camp trek\n3\nin March please"
    )
    assert third.reply is None
    assert (third.context.state, "enquiry" in third.context.data) == (MENU, False)


@pytest.mark.parametrize(
    ("answer", "pax"), [("3", 3), ("three", 3), ("we are 4", 4), ("just me", 1), ("2 pax", 2)]
)
def test_party_size_answers_in_words_or_numbers(answer: str, pax: int) -> None:
    outcome = say(answer, context(ENQUIRY))
    assert outcome.context.data["enquiry"]["pax"] == pax
    assert template_of(outcome) == replies.ASK_MONTH


def test_one_answer_may_give_both_missing_facts() -> None:
    outcome = say("4 of us in October", context(ENQUIRY))
    assert command_of(outcome) == (
        "CreateLead",
        {"tour_code": "EBC", "pax": 4, "travel_month": "2025-10", "travel_date": None},
    )


def test_an_answer_that_is_no_answer_still_makes_the_lead_with_what_is_known() -> None:
    outcome = say("not sure yet, what does it cost?", context(ENQUIRY))
    assert command_of(outcome) == (
        "CreateLead",
        {"tour_code": "EBC", "pax": None, "travel_month": None, "travel_date": None},
    )


def test_planning_a_trip_asks_which_tour_until_one_is_named() -> None:
    asked = say("1")
    assert asked.reply is not None
    assert asked.reply.variables["tour_list"] == "Everest Base Camp Trek, Annapurna Circuit Trek"
    unclear = say("somewhere nice", asked.context)
    assert (template_of(unclear), unclear.context.state) == (replies.ASK_TOUR, ENQUIRY)
    assert unclear.reply is not None and unclear.reply.variables["sorry"] is True
    named = say("Annapurna circuit for 2 in May", unclear.context)
    assert command_of(named) == (
        "CreateLead",
        {"tour_code": "ACT", "pax": 2, "travel_month": "2025-05", "travel_date": None},
    )


def test_naming_another_tour_mid_enquiry_keeps_what_was_said() -> None:
    asking_month = say("3", context(ENQUIRY))
    outcome = say("actually the Annapurna circuit, in April", asking_month.context)
    assert command_of(outcome) == (
        "CreateLead",
        {"tour_code": "ACT", "pax": 3, "travel_month": "2025-04", "travel_date": None},
    )


# --- quotes ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["yes", "YES", "1", "hold the spots", "Yes please!", "ok", "👍", "accept"]
)
def test_yes_to_a_quote_accepts_it(text: str) -> None:
    outcome = say(text, context(QUOTE_OFFERED))
    assert command_of(outcome) == ("AcceptQuote", {"lead_id": "lead-1"})
    assert outcome.reply is None  # done.AcceptQuote answers
    assert outcome.context.state == MENU
    assert outcome.context.data["quote"]["open"] is False


def test_yes_naming_the_quoted_tour_is_still_a_yes() -> None:
    outcome = say("Yes, hold the spots on the Everest trek", context(QUOTE_OFFERED))
    assert command_of(outcome) == ("AcceptQuote", {"lead_id": "lead-1"})


@pytest.mark.parametrize("text", ["no", "2", "change something", "not now"])
def test_no_to_a_quote_asks_what_to_change(text: str) -> None:
    outcome = say(text, context(QUOTE_OFFERED))
    assert (outcome.context.state, template_of(outcome)) == (QUOTE_CHANGE, replies.QUOTE_CHANGE_ASK)
    assert outcome.command is None


def test_the_change_asked_for_is_noted_and_the_quote_stays_open() -> None:
    outcome = say("different dates, mid April", context(QUOTE_CHANGE))
    assert template_of(outcome) == replies.QUOTE_CHANGE_NOTED
    assert outcome.context.state == QUOTE_OFFERED
    assert outcome.context.data["quote"]["change_request"] == "different dates, mid April"
    after_all = say("yes", context(QUOTE_CHANGE))
    assert command_of(after_all) == ("AcceptQuote", {"lead_id": "lead-1"})


@pytest.mark.parametrize("text", ["3", "join waitlist", "Join the wait list please"])
def test_join_waitlist_from_a_quote_uses_its_departure(text: str) -> None:
    outcome = say(text, context(QUOTE_OFFERED))
    assert command_of(outcome) == (
        "JoinWaitlist",
        {"departure_id": "dep-1", "pax": 3, "lead_id": "lead-1"},
    )


def test_join_waitlist_out_of_turn_uses_the_departure_known() -> None:
    outcome = say("join waitlist", context(BOOKING))
    assert command_of(outcome) == ("JoinWaitlist", {"departure_id": "dep-2", "pax": 2})
    unknown = say("join waitlist", context(MENU))
    assert (template_of(unknown), unknown.context.state) == (replies.ASK_TOUR, ENQUIRY)
    assert unknown.reply is not None and unknown.reply.variables["waitlist"] is True


def test_a_new_enquiry_during_a_quote_starts_an_enquiry() -> None:
    outcome = say("What about the Annapurna circuit for 2 in May?", context(QUOTE_OFFERED))
    assert command_of(outcome) == (
        "CreateLead",
        {"tour_code": "ACT", "pax": 2, "travel_month": "2025-05", "travel_date": None},
    )
    assert outcome.context.data["quote"]["open"] is False


# --- waitlist offers ----------------------------------------------------------------------

ENTRY = {"entry_id": "e-1", "booking_id": "b-7"}


@pytest.mark.parametrize(
    "text", ["YES", "yes please", "1", "take them", "👍", "Yes, the Everest seats please"]
)
def test_yes_to_a_waitlist_offer_takes_the_seats(text: str) -> None:
    outcome = say(text, context(WAITLIST_OFFERED))
    assert command_of(outcome) == ("ConfirmWaitlistOffer", ENTRY)
    assert outcome.reply is None  # booking.held tells them the hold, total and deposit
    assert outcome.context.data["waitlist_offer"]["open"] is False
    assert outcome.context.state == MENU


@pytest.mark.parametrize("text", ["NO", "2", "no thanks", "decline", "let them go"])
def test_no_to_a_waitlist_offer_lets_the_seats_go(text: str) -> None:
    waitlisted = {**STATE_DATA[WAITLIST_OFFERED], "booking": BOOKING_FACTS}
    outcome = say(text, context(WAITLIST_OFFERED, data=waitlisted))
    assert command_of(outcome) == ("DeclineWaitlistOffer", ENTRY)
    assert outcome.reply is None  # booking.cancelled (OFFER_DECLINED) tells them
    assert outcome.context.state == BOOKING


def test_help_with_seats_on_offer_explains_the_offer() -> None:
    outcome = say("help", context(WAITLIST_OFFERED))
    assert template_of(outcome) == replies.WAITLIST_OFFER_HELP
    assert outcome.reply is not None
    assert {k: outcome.reply.variables[k] for k in ("booking_reference", "tour_name", "pax")} == {
        "booking_reference": "EBC-2501277",
        "tour_name": "Everest Base Camp Trek",
        "pax": 2,
    }
    unclear = say("what time is pickup", context(WAITLIST_OFFERED))
    assert (template_of(unclear), unclear.command) == (replies.WAITLIST_OFFER_HELP, None)
    assert unclear.reply is not None and unclear.reply.variables["sorry"] is True


# --- a person from our team ---------------------------------------------------------------


def test_talking_to_our_team_names_what_the_customer_deals_with() -> None:
    assert command_of(say("3", context(BOOKING))) == ("RequestHandoff", {"booking_id": "b-1"})
    lead = Bound("LEAD", "lead-9", "ACT2500009")
    assert command_of(say("team", context(BOOKING, bound=lead))) == (
        "RequestHandoff",
        {"lead_id": "lead-9"},
    )
    quoted = say("talk to our team", context(MENU, data={"quote": {**QUOTE, "open": False}}))
    assert command_of(quoted) == ("RequestHandoff", {"lead_id": "lead-1"})
    assert quoted.reply is None  # done.RequestHandoff answers, naming who will


def test_what_the_customer_says_beyond_the_choice_goes_to_the_team() -> None:
    outcome = say("Can a human call me about the permits?", context(MENU))
    assert command_of(outcome) == (
        "RequestHandoff",
        {"text": "Can a human call me about the permits?"},
    )


# --- bookings and references -------------------------------------------------------------


@pytest.mark.parametrize("state", [MENU, BOOKING_REF, BOOKING, QUOTE_OFFERED])
def test_a_booking_reference_asks_its_status_from_any_state(state: str) -> None:
    outcome = say("what about ebc 2501234?", context(state))
    assert command_of(outcome) == ("CheckBookingStatus", {"reference": "EBC-2501234"})


def test_asking_for_a_booking_reference_until_one_is_given() -> None:
    outcome = say("I don't have it", context(BOOKING_REF))
    assert (template_of(outcome), outcome.context.state) == (
        replies.ASK_BOOKING_REFERENCE,
        BOOKING_REF,
    )
    given = say("EBC-2501234", context(BOOKING_REF))
    assert command_of(given) == ("CheckBookingStatus", {"reference": "EBC-2501234"})
    assert given.context.state == MENU


# --- the staff grammar -------------------------------------------------------------------


def staff(data: dict[str, Any] | None = None, role: str = "FIELD_STAFF") -> Context:
    return context(STAFF, role=role, name="Pemba", data=data or {})


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("CHECKIN EBC-251005", ("CheckIn", {"trip_ref": "EBC-251005"})),
        ("check in ebc251005 all 6 here", ("CheckIn", {"trip_ref": "EBC-251005", "note": "all 6 here"})),
        (
            "ISSUE EBC-251005 Ram twisted his ankle",
            (
                "ReportIncident",
                {"trip_ref": "EBC-251005", "text": "Ram twisted his ankle", "severity": "HIGH"},
            ),
        ),
        ("UPDATE EBC-251005 reached Namche", ("PostTripUpdate", {"trip_ref": "EBC-251005", "text": "reached Namche"})),
        ("RESOLVED EBC-251005", ("ResolveIncident", {"trip_ref": "EBC-251005"})),
        ("CHECKOUT EBC-251005 all back safe", ("CheckOut", {"trip_ref": "EBC-251005", "note": "all back safe"})),
        ("STATUS EBC-251005", ("CheckTripStatus", {"trip_ref": "EBC-251005"})),
        ("STATUS EBC-2501234", ("CheckBookingStatus", {"reference": "EBC-2501234"})),
        ("ACCEPT EBC-251005", ("AcceptAssignment", {"trip_ref": "EBC-251005"})),
    ],
)  # fmt: skip
def test_staff_commands_become_command_requests(
    text: str, command: tuple[str, dict[str, Any]]
) -> None:
    outcome = say(text, staff())
    assert command_of(outcome) == command
    assert outcome.reply is None


def test_a_bare_accept_or_decline_answers_the_pending_offer() -> None:
    pending = staff({"offers": {"a-1": OFFER}})
    assert command_of(say("ACCEPT", pending)) == ("AcceptAssignment", {"trip_ref": "EBC-251005"})
    assert command_of(say("decline, I am sick", pending)) == (
        "DeclineAssignment",
        {"trip_ref": "EBC-251005", "reason": "I am sick"},
    )
    # None remembered: the orchestrator looks for the offer itself.
    assert command_of(say("ACCEPT", staff())) == ("AcceptAssignment", {})


def test_a_bare_accept_with_several_offers_asks_which() -> None:
    second = {**OFFER, "assignment_id": "a-2", "trip_reference": "ACT-251101"}
    outcome = say("accept", staff({"offers": {"a-1": OFFER, "a-2": second}}))
    assert outcome.command is None
    assert outcome.reply is not None
    assert outcome.reply.template == replies.STAFF_WHICH_OFFER
    assert outcome.reply.variables["trip_references"] == "EBC-251005, ACT-251101"
    answered = {"offers": {"a-1": OFFER, "a-2": {**second, "answered": True}}}
    assert command_of(say("accept", staff(answered))) == (
        "AcceptAssignment",
        {"trip_ref": "EBC-251005"},
    )


@pytest.mark.parametrize("text", ["CHECKIN", "ISSUE EBC-251005", "STATUS please", "update"])
def test_a_malformed_staff_command_explains_the_right_form(text: str) -> None:
    outcome = say(text, staff())
    assert outcome.command is None
    assert outcome.reply is not None and outcome.reply.template == replies.STAFF_PROBLEM
    assert "e.g." in outcome.reply.variables["problem"]


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_anything_else_from_staff_gets_their_help(role: str) -> None:
    outcome = say("Everest base camp for 3 in March", staff(role=role))
    assert outcome.command is None  # staff do not enquire
    assert template_of(outcome) == replies.STAFF_HELP[role]


def test_a_customer_using_the_staff_grammar_is_asked_for_and_refused_upstream() -> None:
    # The orchestrator's permission matrix refuses (and audits) it: not ours to decide.
    assert command_of(say("CHECKIN EBC-251005")) == ("CheckIn", {"trip_ref": "EBC-251005"})
    # A bare keyword is the customer's dialogue: "accept" answers their quote.
    assert command_of(say("accept", context(QUOTE_OFFERED))) == (
        "AcceptQuote",
        {"lead_id": "lead-1"},
    )
    assert template_of(say("HELP")) == replies.MENU_REPLY


# --- kinds of message ----------------------------------------------------------------------


def test_kinds_without_words() -> None:
    assert say("", kind="reaction").reply is None  # nothing to answer
    assert template_of(say("", kind="image")) == replies.RECEIVED
    assert template_of(say("", kind="unsupported", supported=False)) == replies.UNSUPPORTED
    photo = say("ISSUE EBC-251005 bridge washed out", staff(), kind="image")
    assert command_of(photo) == (
        "ReportIncident",
        {"trip_ref": "EBC-251005", "text": "bridge washed out", "severity": "MEDIUM"},
    )
    assert template_of(say("", staff(), kind="image")) == replies.RECEIVED


# --- the texts ---------------------------------------------------------------------------

DIALOGUE_TOML = (
    Path(__file__).parents[2] / "notifier" / "src" / "notifier" / "templates" / "dialogue.toml"
)


def test_every_dialogue_template_has_an_english_text_and_nothing_else_is_there() -> None:
    texts = tomllib.loads(DIALOGUE_TOML.read_text(encoding="utf-8"))
    assert set(texts) == set(replies.TEMPLATES)
    for name, languages in texts.items():
        assert "en" in languages, name
        fields = {f for _, f, _, _ in string.Formatter().parse(languages["en"]) if f}
        assert all(f.isidentifier() for f in fields), name


@pytest.mark.parametrize("text", ["thanks", "Thank you!", "ok thanks", "thx a lot"])
def test_thanks_is_acknowledged_and_never_taken_for_a_yes(text: str) -> None:
    outcome = say(text, context(QUOTE_OFFERED))
    assert (outcome.command, template_of(outcome)) == (None, replies.THANKS)
    assert outcome.context.state == QUOTE_OFFERED


def test_asked_which_tour_the_customer_may_still_pick_another_menu_item() -> None:
    asked = say("1")
    outcome = say("actually, my booking", asked.context)
    assert (outcome.context.state, template_of(outcome)) == (
        BOOKING_REF,
        replies.ASK_BOOKING_REFERENCE,
    )
    # Once a tour is known, a message that answers nothing makes the lead.
    made = say("my booking", context(ENQUIRY))
    assert made.command is not None and made.command.name == "CreateLead"


def test_asked_for_a_booking_reference_the_customer_may_pick_another_menu_item() -> None:
    outcome = say("1", context(BOOKING_REF))
    assert (outcome.context.state, template_of(outcome)) == (ENQUIRY, replies.ASK_TOUR)
