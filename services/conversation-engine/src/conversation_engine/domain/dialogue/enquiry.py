"""The enquiry flow: a customer names a tour; the party size and the month are asked for
when missing, one question each, and every answer is merged into the enquiry. Then the
enquiry becomes a lead (CreateLead), and the notifier's lead acknowledgement is the reply.

Each question is asked once: an answer that says something else ("not sure yet", "what does
it cost?") still makes the lead, with what is known, so a sales rep follows up rather than
the customer being asked again or the enquiry being lost.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from conversation_engine.domain.conversations import create_lead_args
from conversation_engine.domain.dialogue import replies
from conversation_engine.domain.dialogue.draft import EnquiryDraft
from conversation_engine.domain.dialogue.model import Ask, Outcome, Turn, move, scratch_dropped
from conversation_engine.domain.dialogue.states import ENQUIRY, MENU
from conversation_engine.domain.understanding.party import party_size
from conversation_engine.domain.understanding.vocabulary import COUNT, count_value
from conversation_engine.domain.understanding.when import travel_time

QUESTIONS = ("tour", "pax", "month")
# A bare count answers "how many people?" ("3", "three", "3 of us" is the party parser's).
_BARE_COUNT = re.compile(rf"^\W*(?P<n>{COUNT})\W*$")


def ask_for_tour(turn: Turn, *, waitlist: bool = False) -> Outcome:
    """Plan a trip (or join a waitlist with no departure known): which tour?"""
    return _asking(turn, EnquiryDraft(), "tour", waitlist=waitlist)


def start(turn: Turn) -> Outcome | None:
    """A message naming a tour starts an enquiry (or re-aims the one being collected: what
    was already said about the party and the month still counts)."""
    if turn.enquiry is None:
        return None
    previous = EnquiryDraft.from_data(turn.data.get("enquiry")) if turn.state == ENQUIRY else None
    draft = EnquiryDraft.from_enquiry(turn.enquiry, turn.text, previous)
    return _next(turn, draft)


def answer(turn: Turn) -> Outcome | None:
    """An answer to the question asked: a tour, a party size, a month (any of them)."""
    if turn.enquiry is not None:
        return start(turn)
    draft = EnquiryDraft.from_data(turn.data.get("enquiry"))
    merged = draft.merged(pax=_pax(turn.text, draft.asking), **_when(turn.text, turn.today))
    if merged == draft:
        return None
    return _next(turn, merged.told(turn.text))


def unanswered(turn: Turn) -> Outcome:
    """The message answers nothing: without a tour there is no enquiry yet, so ask again;
    with one, the lead is made with what is known."""
    draft = EnquiryDraft.from_data(turn.data.get("enquiry"))
    if draft.tour_code is None:
        return _asking(turn, draft, "tour", sorry=True)
    return _create_lead(turn, draft)


def _next(turn: Turn, draft: EnquiryDraft) -> Outcome:
    for question in QUESTIONS:
        if draft.missing(question) and question not in draft.asked:
            return _asking(turn, draft, question)
    if draft.tour_code is None:  # the tour was asked and still not named
        return _asking(turn, draft, "tour", sorry=True)
    return _create_lead(turn, draft)


def _asking(turn: Turn, draft: EnquiryDraft, question: str, **flags: bool) -> Outcome:
    draft = draft.asking_for(question)
    data = {**turn.data, "enquiry": draft.to_data()}
    reply = replies.enquiry_question(turn, question, draft.to_data(), **flags)
    return move(turn, ENQUIRY, data, reply=reply)


def _create_lead(turn: Turn, draft: EnquiryDraft) -> Outcome:
    """The enquiry goes to sales. A quote still open is no longer what is being discussed:
    the customer moved on to this enquiry."""
    data = scratch_dropped(turn.data)
    if data.get("quote"):
        data["quote"] = {**data["quote"], "open": False}
    command = Ask("CreateLead", create_lead_args(draft), source_text="\n".join(draft.texts))
    return move(turn, MENU, data, command=command)


def _pax(text: str, asking: str | None) -> int | None:
    said = party_size(text)
    if said is None and asking == "pax" and (bare := _BARE_COUNT.match(text.lower())):
        said = count_value(bare["n"])
    return said if said is not None and said > 0 else None


def _when(text: str, today: date) -> dict[str, Any]:
    when = travel_time(text, today=today)
    found: dict[str, Any] = {}
    if when.month:
        found["travel_month"] = when.month
    if when.date:
        found["travel_date"] = when.date
    return found
