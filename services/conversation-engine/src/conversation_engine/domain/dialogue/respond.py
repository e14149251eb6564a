"""One dialogue turn: route the message to its flow."""

from __future__ import annotations

from conversation_engine.domain.conversations import CUSTOMER
from conversation_engine.domain.dialogue import replies
from conversation_engine.domain.dialogue.customer import respond_customer
from conversation_engine.domain.dialogue.model import (
    SILENT_KINDS,
    TEXT_KINDS,
    Ask,
    Outcome,
    Turn,
    stay,
)
from conversation_engine.domain.dialogue.staff import respond_staff
from conversation_engine.domain.understanding.commands import parse_staff_command

# Arguments that name the object a command acts on.
_OBJECT_ARGS = ("trip_ref", "reference")


def respond(turn: Turn) -> Outcome:
    """What to ask and say in answer to one message, and the context after it."""
    if turn.kind in SILENT_KINDS:
        return stay(turn)  # a reaction is not said to anyone
    if not turn.supported:
        return stay(turn, replies.unsupported(turn))
    if turn.context.role != CUSTOMER:
        return respond_staff(turn)
    command = named_command(turn.text)
    if command is not None:
        return Outcome(turn.context, command=command)
    if turn.kind not in TEXT_KINDS or not turn.text.strip():
        return stay(turn, replies.received(turn))
    return respond_customer(turn)


def named_command(text: str) -> Ask | None:
    """A staff-grammar command naming its object ("CHECKIN EBC-251005"), whoever sends it:
    the orchestrator decides who may (a customer's is refused there, and audited). A bare
    keyword from a customer ("accept", "help", "status") is the customer dialogue's."""
    parsed = parse_staff_command(text) if text.strip() else None
    if parsed is None or parsed.name is None:
        return None
    if not any(parsed.args.get(arg) for arg in _OBJECT_ARGS):
        return None
    return Ask(parsed.name, dict(parsed.args))
