"""What a dialogue turn takes and gives."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from conversation_engine.domain.context import Context
from conversation_engine.domain.understanding.enquiry import Enquiry

# Message kinds that carry words the person typed or tapped (the adapter puts the titles of
# buttons and list rows in ``text``).
TEXT_KINDS = frozenset({"text", "button_reply", "list_reply", "quick_reply"})
# Kinds that are not said to anyone: nothing to answer.
SILENT_KINDS = frozenset({"reaction", "system"})


@dataclass(frozen=True)
class Turn:
    """One inbound message as the dialogue sees it."""

    text: str  # the words (a media message's caption), "" when there are none
    kind: str
    context: Context
    today: date  # the day the message was sent: "in March" counts from it
    enquiry: Enquiry | None = None  # what understanding found (customers' text only)
    tour_names: tuple[str, ...] = ()  # the catalogue's tours, to suggest when asking which
    resumed: bool = False  # the first message of a conversation after an expired one
    supported: bool = True

    @property
    def state(self) -> str:
        return self.context.state

    @property
    def data(self) -> dict[str, Any]:
        return dict(self.context.data)


@dataclass(frozen=True)
class Ask:
    """A command the dialogue asks for (published as CommandRequested)."""

    name: str
    args: dict[str, Any]
    source_text: str | None = None  # when not just this message (an enquiry told in parts)


@dataclass(frozen=True)
class Say:
    """A reply (published as ConversationReply): a template name and its variables."""

    template: str
    variables: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    context: Context
    command: Ask | None = None
    reply: Say | None = None


def stay(turn: Turn, reply: Say | None = None) -> Outcome:
    """Nothing changes; perhaps something is said."""
    return Outcome(turn.context, reply=reply)


def move(turn: Turn, state: str, data: dict[str, Any] | None = None, **result: Any) -> Outcome:
    """To ``state`` (with ``data`` if given), asking and saying what ``result`` holds."""
    context = replace(turn.context, state=state, data=turn.data if data is None else data)
    return Outcome(context, **result)


def scratch_dropped(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` without the dialogue's scratch (the enquiry being collected)."""
    return {key: value for key, value in data.items() if key != "enquiry"}
