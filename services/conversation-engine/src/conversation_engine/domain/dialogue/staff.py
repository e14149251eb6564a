"""The staff flow: every message is a command of the staff grammar (ACCEPT, CHECKIN <ref>,
ISSUE <ref> <text>, ...), answered by the command's result; HELP, a malformed command or
anything else gets the commands of the staff member's role.

A bare ACCEPT or DECLINE answers the offer the context remembers (assignment.offered); with
several offers pending it asks which.
"""

from __future__ import annotations

from conversation_engine.domain.context import pending_offers
from conversation_engine.domain.dialogue import replies
from conversation_engine.domain.dialogue.model import TEXT_KINDS, Ask, Outcome, Turn, stay
from conversation_engine.domain.understanding.commands import StaffCommand, parse_staff_command
from conversation_engine.domain.understanding.intents import is_greeting

OFFER_ANSWERS = frozenset({"AcceptAssignment", "DeclineAssignment"})


def respond_staff(turn: Turn) -> Outcome:
    parsed = parse_staff_command(turn.text) if turn.text.strip() else None
    if turn.kind not in TEXT_KINDS and (parsed is None or parsed.name is None):
        return stay(turn, replies.received(turn))  # a photo from the trail, say
    if parsed is None:
        return stay(turn, replies.staff_help(turn, sorry=not is_greeting(turn.text)))
    if parsed.problem:
        return stay(turn, replies.staff_problem(parsed.problem))
    if parsed.name is None:  # HELP
        return stay(turn, replies.staff_help(turn))
    if parsed.name in OFFER_ANSWERS and "trip_ref" not in parsed.args:
        return answer_pending_offer(turn, parsed)
    return Outcome(turn.context, command=Ask(parsed.name, dict(parsed.args)))


def answer_pending_offer(turn: Turn, parsed: StaffCommand) -> Outcome:
    assert parsed.name is not None
    offers = pending_offers(turn.context)
    args = dict(parsed.args)
    if len(offers) > 1:
        references = [str(offer["trip_reference"]) for offer in offers]
        return stay(turn, replies.which_offer(parsed.keyword, references))
    if offers:
        args["trip_ref"] = offers[0]["trip_reference"]
    # With none remembered, the orchestrator looks for the pending offer itself.
    return Outcome(turn.context, command=Ask(parsed.name, args))
