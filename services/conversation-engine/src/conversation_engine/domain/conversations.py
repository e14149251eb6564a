"""Conversations in the business's words: who is talking, and how long a conversation lives.

Pure functions only (no I/O): the handlers feed them what the tables hold.

A conversation is the exchange with one phone on one channel. It stays open for the
customer-service window (24 hours by default) after the customer's last message; the
first message after that starts a new conversation, which keeps what is still known
(who the actor is, their name) and points back at the one it follows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import Enum
from typing import Any, Protocol

CUSTOMER = "CUSTOMER"
STAFF_ROLES = frozenset({"SALES", "OPERATIONS", "FIELD_STAFF", "MANAGER"})


class Step(Enum):
    """What an inbound message does to the conversation of its phone."""

    CONTINUE = "continue"  # the open conversation is still inside its window
    OPEN = "open"  # no conversation yet: open the first one
    START_OVER = "start_over"  # the open one has expired: close it and open a new one


@dataclass(frozen=True)
class OpenConversation:
    """What the window logic needs to know about the phone's open conversation."""

    id: str
    actor_role: str
    profile_name: str | None
    last_inbound_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class Window:
    last_inbound_at: datetime
    expires_at: datetime


def as_utc(moment: datetime) -> datetime:
    """Provider timestamps should be aware; a naive one is read as UTC rather than refused."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def is_expired(expires_at: datetime, at: datetime) -> bool:
    """A window is closed from the instant it expires (WhatsApp's 24 hours are exact)."""
    return as_utc(at) >= as_utc(expires_at)


def next_step(current: OpenConversation | None, message_at: datetime) -> Step:
    """Whether a message sent at ``message_at`` continues, opens or restarts the conversation.

    The message's own time decides, not the clock at handling: a message that waited in a
    queue during an outage still belongs to the conversation it was sent in.
    """
    if current is None:
        return Step.OPEN
    if is_expired(current.expires_at, message_at):
        return Step.START_OVER
    return Step.CONTINUE


def opening_window(message_at: datetime, ttl: timedelta) -> Window:
    at = as_utc(message_at)
    return Window(last_inbound_at=at, expires_at=at + ttl)


def extended_window(last_inbound_at: datetime, message_at: datetime, ttl: timedelta) -> Window:
    """The window after another inbound message. Provider timestamps may arrive slightly out
    of order, so an older message never shortens the window."""
    last = max(as_utc(last_inbound_at), as_utc(message_at))
    return Window(last_inbound_at=last, expires_at=last + ttl)


def carried_profile_name(previous: OpenConversation | None, incoming: str | None) -> str | None:
    """The name to keep: the one the message brings, else the one already known."""
    if incoming and incoming.strip():
        return incoming.strip()
    return previous.profile_name if previous is not None else None


@dataclass(frozen=True)
class DirectoryEntry:
    """A staff member as the directory read model knows them."""

    user_id: str
    name: str
    role: str
    active: bool


def actor_role(entry: DirectoryEntry | None) -> str:
    """Phones in the directory are staff with their role; any other phone is a customer.

    A deactivated staff member loses staff powers: their phone counts as a customer's.
    """
    if entry is None or not entry.active or entry.role not in STAFF_ROLES:
        return CUSTOMER
    return entry.role


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


class UnderstoodEnquiry(Protocol):
    """The parts of an understood enquiry (``understanding.Enquiry``) a lead is made from."""

    @property
    def tour_code(self) -> str | None: ...
    @property
    def pax(self) -> int | None: ...
    @property
    def travel_month(self) -> Any: ...
    @property
    def travel_date(self) -> Any: ...


def create_lead_args(enquiry: UnderstoodEnquiry) -> dict[str, Any]:
    """The CreateLead command's arguments from an understood enquiry (JSON-ready)."""
    travel_month = enquiry.travel_month
    if isinstance(travel_month, date):
        travel_month = travel_month.strftime("%Y-%m")
    return {
        "tour_code": enquiry.tour_code,
        "pax": enquiry.pax,
        "travel_month": travel_month,
        "travel_date": _iso(enquiry.travel_date),
    }


def conversation_subject(conversation_id: str) -> str:
    return f"CONVERSATION/{conversation_id}"
