"""Who may ask for what: the one table of commands, the roles allowed to run each, and the
object rule each role is held to.

Two levels, both decided here (pure, no I/O):

- the role: may this role ever ask for this command (``authorize``);
- the object: a customer acts only on their own lead or booking, field staff only on a trip
  they are on the crew of (``check_object``, given the facts the orchestrator read from the
  core about the object: its customer's phone, the trip's crew).

The core enforces its own rules too (the lead guide checks in, operations offer work); its
refusals become rejections of the command as well.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import get_args

from waops_contracts.events.commands import Actor, Role

CUSTOMER: Role = "CUSTOMER"
SALES: Role = "SALES"
OPERATIONS: Role = "OPERATIONS"
FIELD_STAFF: Role = "FIELD_STAFF"
MANAGER: Role = "MANAGER"
ROLES: tuple[Role, ...] = get_args(Role)

UNKNOWN_COMMAND = "UNKNOWN_COMMAND"
FORBIDDEN_ROLE = "FORBIDDEN_ROLE"
NOT_YOUR_LEAD = "NOT_YOUR_LEAD"
NOT_YOUR_BOOKING = "NOT_YOUR_BOOKING"
NOT_ASSIGNED = "NOT_ASSIGNED"

FORBIDDEN = 403  # the HTTP status of every refusal decided here


class Scope(StrEnum):
    """The object rule a role is held to when it runs a command."""

    ANY = "any"  # no object rule (office roles; or the command acts on the actor's own data)
    OWN_LEAD = "own lead"  # the lead's customer phone is the actor's
    OWN_BOOKING = "own booking"  # the booking's customer phone is the actor's
    # The lead or booking the command names (either, both or neither), each by its own rule.
    OWN_LEAD_OR_BOOKING = "own lead or booking"
    TRIP_CREW = "trip crew"  # the actor has an ACCEPTED assignment on the trip
    TRIP_OFFERED = "trip offered or crew"  # an OFFERED or ACCEPTED assignment on the trip


@dataclass(frozen=True)
class CommandRule:
    name: str
    action: str  # what the command does, for refusals: "create leads"
    scopes: Mapping[Role, Scope]  # the roles allowed, each with its object rule

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(self.scopes)


_: Scope | None = None  # not allowed
A, LEAD, BOOK, MINE, CREW, OFFER = (
    Scope.ANY,
    Scope.OWN_LEAD,
    Scope.OWN_BOOKING,
    Scope.OWN_LEAD_OR_BOOKING,
    Scope.TRIP_CREW,
    Scope.TRIP_OFFERED,
)

_COLUMNS = (CUSTOMER, SALES, OPERATIONS, FIELD_STAFF, MANAGER)

# fmt: off
# Sales may not assign staff or close departures; operations may not delete leads; field
# staff act only on trips they are on; managers do everything office-side.
_MATRIX: tuple[tuple[str, str, tuple[Scope | None, ...]], ...] = (
    # command                action                              CUST  SALES OPS   FIELD MANAGER
    ("CreateLead",            "register enquiries",             (A,    A,    A,    _,    A)),
    ("AcceptQuote",           "accept quotes",                  (LEAD, _,    _,    _,    _)),
    ("JoinWaitlist",          "join waitlists",                 (LEAD, A,    A,    _,    A)),
    ("CheckBookingStatus",    "check bookings",                 (BOOK, A,    A,    _,    A)),
    ("ConfirmWaitlistOffer",  "take waitlist offers",           (BOOK, A,    A,    _,    A)),
    ("DeclineWaitlistOffer",  "decline waitlist offers",        (BOOK, A,    A,    _,    A)),
    ("RequestHandoff",        "ask to talk to our team",        (MINE, _,    _,    _,    _)),
    ("CheckTripStatus",       "check trips",                    (_,    A,    A,    OFFER, A)),
    ("AcceptAssignment",      "accept trip assignments",        (_,    _,    _,    A,    _)),
    ("DeclineAssignment",     "decline trip assignments",       (_,    _,    _,    A,    _)),
    ("CheckIn",               "check in on trips",              (_,    _,    _,    CREW, _)),
    ("CheckOut",              "check out of trips",             (_,    _,    _,    CREW, _)),
    ("PostTripUpdate",        "post trip updates",              (_,    _,    A,    CREW, A)),
    ("ReportIncident",        "report incidents",               (_,    _,    A,    CREW, A)),
    ("ResolveIncident",       "resolve incidents",              (_,    _,    A,    CREW, A)),
    ("SendQuote",             "send quotes",                    (_,    A,    _,    _,    A)),
    ("ConvertLead",           "convert leads into bookings",    (_,    A,    _,    _,    A)),
    ("SendPaymentLink",       "send payment links",             (_,    A,    _,    _,    A)),
    ("AssignStaff",           "assign staff to trips",          (_,    _,    A,    _,    A)),
    ("UpdateIncident",        "update incidents",               (_,    _,    A,    _,    A)),
    ("Broadcast",             "broadcast to a departure",       (_,    _,    A,    _,    A)),
    ("CloseDeparture",        "close departures",               (_,    _,    A,    _,    A)),
    ("DeleteLead",            "delete leads",                   (_,    A,    _,    _,    A)),
)
# fmt: on

COMMANDS: dict[str, CommandRule] = {
    name: CommandRule(
        name,
        action,
        {role: scope for role, scope in zip(_COLUMNS, cells, strict=True) if scope is not None},
    )
    for name, action, cells in _MATRIX
}

# How a role reads in a refusal ("Sorry, field staff can't ...").
_ROLE_WORDS: dict[Role, str] = {
    CUSTOMER: "customers",
    SALES: "sales staff",
    OPERATIONS: "operations staff",
    FIELD_STAFF: "field staff",
    MANAGER: "managers",
}


@dataclass(frozen=True)
class Refusal:
    code: str
    reason: str  # polite, fit to be sent back to the person who asked
    status: int = FORBIDDEN  # how the back-office API answers it


class Refused(Exception):
    """A command refused before or while it runs (role, object, arguments, state)."""

    def __init__(self, refusal: Refusal) -> None:
        super().__init__(f"{refusal.code}: {refusal.reason}")
        self.refusal = refusal


def refuse(code: str, reason: str, status: int) -> Refused:
    return Refused(Refusal(code, reason, status))


@dataclass(frozen=True)
class ObjectFacts:
    """What the orchestrator read from the core about the object a command acts on."""

    reference: str | None = None  # how the object is named in a refusal
    customer_phone: str | None = None  # a lead's or a booking's customer
    kind: str | None = None  # "LEAD" or "BOOKING": which rule an "own lead or booking" is
    crew: Mapping[str, str] = field(default_factory=dict)  # staff user_id -> assignment state


def authorize(command: str, role: Role) -> Refusal | None:
    """None when ``role`` may ask for ``command``; otherwise why not."""
    rule = COMMANDS.get(command)
    if rule is None:
        return Refusal(UNKNOWN_COMMAND, f"Sorry, I don't know how to do '{command}'.", 422)
    if role not in rule.roles:
        return Refusal(FORBIDDEN_ROLE, f"Sorry, {_ROLE_WORDS[role]} can't {rule.action}.")
    return None


def scope_of(command: str, role: Role) -> Scope:
    """The object rule ``role`` is held to for ``command`` (which it is allowed to run)."""
    return COMMANDS[command].scopes[role]


def check_object(command: str, actor: Actor, facts: ObjectFacts) -> Refusal | None:
    """None when ``actor`` may act on the object ``facts`` describe; otherwise why not."""
    scope = scope_of(command, actor.role)
    if scope is Scope.OWN_LEAD_OR_BOOKING:
        scope = Scope.OWN_BOOKING if facts.kind == "BOOKING" else Scope.OWN_LEAD
    named = f" {facts.reference}" if facts.reference else ""
    if scope is Scope.OWN_LEAD and not same_phone(facts.customer_phone, actor.phone):
        return Refusal(NOT_YOUR_LEAD, f"Sorry, the enquiry{named} isn't one of yours.")
    if scope is Scope.OWN_BOOKING and not same_phone(facts.customer_phone, actor.phone):
        return Refusal(NOT_YOUR_BOOKING, f"Sorry, the booking{named} isn't one of yours.")
    if scope in (Scope.TRIP_CREW, Scope.TRIP_OFFERED):
        wanted = {"ACCEPTED"} if scope is Scope.TRIP_CREW else {"OFFERED", "ACCEPTED"}
        if actor.user_id is None or facts.crew.get(actor.user_id) not in wanted:
            return Refusal(NOT_ASSIGNED, f"Sorry, you're not on the crew of trip{named}.")
    return None


def same_phone(a: str | None, b: str | None) -> bool:
    """The same international number however written (+977 984-..., 00977984..., 977984...)."""
    if not a or not b:
        return False
    return _digits(a) == _digits(b)


def _digits(phone: str) -> str:
    digits = re.sub(r"\D", "", phone)
    return digits[2:] if phone.strip().startswith("00") else digits
