"""Who may ask for what: the one table of commands and the roles allowed to run them.

Every command the orchestrator knows is declared here, even before it can execute it, so
this stays the single place of truth for role rules. Finer rules that need data (a guide
may only check in on a trip they are assigned to, a hold needs free seats) are the core's
to check; this table only answers "may this role ever ask for this".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import get_args

from waops_contracts.events.commands import Role

CUSTOMER: Role = "CUSTOMER"
SALES: Role = "SALES"
OPERATIONS: Role = "OPERATIONS"
FIELD_STAFF: Role = "FIELD_STAFF"
MANAGER: Role = "MANAGER"
ROLES: tuple[Role, ...] = get_args(Role)

UNKNOWN_COMMAND = "UNKNOWN_COMMAND"
FORBIDDEN_ROLE = "FORBIDDEN_ROLE"

# How a role reads in a refusal ("Sorry, field staff can't ...").
_ROLE_WORDS: dict[Role, str] = {
    CUSTOMER: "customers",
    SALES: "sales staff",
    OPERATIONS: "operations staff",
    FIELD_STAFF: "field staff",
    MANAGER: "managers",
}


@dataclass(frozen=True)
class CommandRule:
    name: str
    action: str  # what the command does, for refusals: "create leads"
    roles: frozenset[Role]


def _rule(name: str, action: str, *roles: Role) -> CommandRule:
    return CommandRule(name, action, frozenset(roles))


# Managers can do everything sales and operations can, plus approvals and overrides.
_SALES_SIDE = (SALES, MANAGER)
_OPS_SIDE = (OPERATIONS, MANAGER)
_OFFICE = (SALES, OPERATIONS, MANAGER)

COMMANDS: dict[str, CommandRule] = {
    rule.name: rule
    for rule in (
        # customers and the sales pipeline
        _rule("CreateLead", "register enquiries", CUSTOMER, *_OFFICE),
        _rule("CheckAvailability", "check availability", CUSTOMER, *_OFFICE),
        _rule("JoinWaitlist", "join waitlists", CUSTOMER, *_OFFICE),
        _rule("HoldSeats", "hold seats", CUSTOMER, *_OFFICE),
        _rule("ReleaseHold", "release holds", *_OFFICE),
        _rule("CheckBookingStatus", "check bookings", CUSTOMER, *_OFFICE),
        _rule("SendFeedback", "send trip feedback", CUSTOMER),
        _rule("OptOutMarketing", "opt out of marketing", CUSTOMER),
        _rule("SendQuote", "send quotes", *_SALES_SIDE),
        _rule("SendPaymentLink", "send payment links", *_SALES_SIDE),
        _rule("ConvertLead", "convert leads into bookings", *_SALES_SIDE),
        # operations
        _rule("AssignStaff", "assign staff to trips", *_OPS_SIDE),
        _rule("Broadcast", "broadcast to a departure", *_OPS_SIDE),
        _rule("UpdateIncident", "update incidents", *_OPS_SIDE),
        # field staff on their trips (the core checks they are assigned to the trip)
        _rule("AcceptAssignment", "accept trip assignments", FIELD_STAFF),
        _rule("DeclineAssignment", "decline trip assignments", FIELD_STAFF),
        _rule("CheckIn", "check in on trips", FIELD_STAFF),
        _rule("CheckOut", "check out of trips", FIELD_STAFF),
        _rule("PostTripUpdate", "post trip updates", FIELD_STAFF, *_OPS_SIDE),
        _rule("ReportIncident", "report incidents", FIELD_STAFF, *_OPS_SIDE),
        _rule("ResolveIncident", "resolve incidents", FIELD_STAFF, *_OPS_SIDE),
        # managers only
        _rule("ApproveOverride", "approve overrides", MANAGER),
    )
}


@dataclass(frozen=True)
class Refusal:
    code: str
    reason: str  # polite, fit to be sent back to the person who asked


def authorize(command: str, role: Role) -> Refusal | None:
    """None when ``role`` may ask for ``command``; otherwise why not."""
    rule = COMMANDS.get(command)
    if rule is None:
        return Refusal(UNKNOWN_COMMAND, f"Sorry, I don't know how to do '{command}'.")
    if role not in rule.roles:
        return Refusal(
            FORBIDDEN_ROLE, f"Sorry, {_ROLE_WORDS[role]} can't {rule.action} through WhatsApp."
        )
    return None
