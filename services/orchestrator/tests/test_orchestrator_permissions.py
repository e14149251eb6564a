"""The permission matrix, cell by cell: every role against every command, then the object
rules (their own lead or booking for customers, their own trips for field staff)."""

from __future__ import annotations

from typing import Any

import pytest
from orchestrator.domain.commands import ARGS
from orchestrator.domain.permissions import (
    COMMANDS,
    FORBIDDEN_ROLE,
    NOT_ASSIGNED,
    NOT_YOUR_BOOKING,
    NOT_YOUR_LEAD,
    ROLES,
    UNKNOWN_COMMAND,
    ObjectFacts,
    Scope,
    authorize,
    check_object,
    same_phone,
    scope_of,
)
from orchestrator.handlers.executors import EXECUTORS
from waops_contracts.events import Actor

# The matrix as the issue states it, written out independently of the implementation:
# "-" refused; "any" allowed with no object rule; "lead"/"booking" the customer's own;
# "mine" the customer's own lead or booking, whichever it names; "crew" an accepted
# assignment on the trip; "offered" an offered or accepted one.
COLUMNS = ("CUSTOMER", "SALES", "OPERATIONS", "FIELD_STAFF", "MANAGER")
# fmt: off
EXPECTED: dict[str, tuple[str, str, str, str, str]] = {
    #                        CUSTOMER   SALES  OPS    FIELD      MANAGER
    "CreateLead":            ("any",     "any", "any", "-",       "any"),
    "AcceptQuote":           ("lead",    "-",   "-",   "-",       "-"),
    "JoinWaitlist":          ("lead",    "any", "any", "-",       "any"),
    "CheckBookingStatus":    ("booking", "any", "any", "-",       "any"),
    "ConfirmWaitlistOffer":  ("booking", "any", "any", "-",       "any"),
    "DeclineWaitlistOffer":  ("booking", "any", "any", "-",       "any"),
    "RequestHandoff":        ("mine",    "-",   "-",   "-",       "-"),
    "CheckTripStatus":       ("-",       "any", "any", "offered", "any"),
    "AcceptAssignment":      ("-",       "-",   "-",   "any",     "-"),
    "DeclineAssignment":     ("-",       "-",   "-",   "any",     "-"),
    "CheckIn":               ("-",       "-",   "-",   "crew",    "-"),
    "CheckOut":              ("-",       "-",   "-",   "crew",    "-"),
    "PostTripUpdate":        ("-",       "-",   "any", "crew",    "any"),
    "ReportIncident":        ("-",       "-",   "any", "crew",    "any"),
    "ResolveIncident":       ("-",       "-",   "any", "crew",    "any"),
    "SendQuote":             ("-",       "any", "-",   "-",       "any"),
    "ConvertLead":           ("-",       "any", "-",   "-",       "any"),
    "SendPaymentLink":       ("-",       "any", "-",   "-",       "any"),
    "AssignStaff":           ("-",       "-",   "any", "-",       "any"),
    "UpdateIncident":        ("-",       "-",   "any", "-",       "any"),
    "Broadcast":             ("-",       "-",   "any", "-",       "any"),
    "CloseDeparture":        ("-",       "-",   "any", "-",       "any"),
    "DeleteLead":            ("-",       "any", "-",   "-",       "any"),
}
# fmt: on
SCOPES = {
    "any": Scope.ANY,
    "lead": Scope.OWN_LEAD,
    "booking": Scope.OWN_BOOKING,
    "mine": Scope.OWN_LEAD_OR_BOOKING,
    "crew": Scope.TRIP_CREW,
    "offered": Scope.TRIP_OFFERED,
}
CELLS = [
    (command, role, cell)
    for command, row in EXPECTED.items()
    for role, cell in zip(COLUMNS, row, strict=True)
]


def test_the_matrix_covers_every_command_of_the_contract_and_nothing_else() -> None:
    assert set(COMMANDS) == set(EXPECTED) == set(EXECUTORS) == set(ARGS)
    assert set(ROLES) == set(COLUMNS)


@pytest.mark.parametrize(("command", "role", "cell"), CELLS)
def test_every_cell_of_the_matrix(command: str, role: str, cell: str) -> None:
    refusal = authorize(command, role)  # type: ignore[arg-type]
    if cell == "-":
        assert refusal is not None
        assert refusal.code == FORBIDDEN_ROLE
        assert refusal.status == 403
        assert refusal.reason.startswith("Sorry, ") and refusal.reason.endswith(".")
    else:
        assert refusal is None
        assert scope_of(command, role) is SCOPES[cell]  # type: ignore[arg-type]


def test_refusals_read_well() -> None:
    field_staff = authorize("CreateLead", "FIELD_STAFF")
    assert field_staff is not None
    assert field_staff.reason == "Sorry, field staff can't register enquiries."
    sales = authorize("AssignStaff", "SALES")
    assert sales is not None and sales.reason == "Sorry, sales staff can't assign staff to trips."
    customer = authorize("CheckIn", "CUSTOMER")
    assert customer is not None and customer.code == FORBIDDEN_ROLE
    assert customer.reason == "Sorry, customers can't check in on trips."
    handoff = authorize("RequestHandoff", "SALES")
    assert (
        handoff is not None
        and handoff.reason == "Sorry, sales staff can't ask to talk to our team."
    )


def test_an_unknown_command_is_refused_as_unknown() -> None:
    refusal = authorize("LaunchRocket", "MANAGER")
    assert refusal is not None
    assert refusal.code == UNKNOWN_COMMAND
    assert "LaunchRocket" in refusal.reason


def test_managers_can_do_everything_sales_and_operations_can() -> None:
    for rule in COMMANDS.values():
        if {"SALES", "OPERATIONS"} & rule.roles:
            assert "MANAGER" in rule.roles, rule.name


# --- object rules -------------------------------------------------------------------------

ASHA = Actor(phone="+9779841234567", role="CUSTOMER", name="Asha")
PEMBA = Actor(phone="+9779800000004", role="FIELD_STAFF", user_id="u-pemba", name="Pemba")
MAYA = Actor(phone="+9779800000003", role="OPERATIONS", user_id="u-maya", name="Maya")
SITA = Actor(phone="+9779800000001", role="SALES", user_id="u-sita", name="Sita")


def crew(**states: str) -> ObjectFacts:
    return ObjectFacts(reference="EBC-251005", crew={f"u-{k}": v for k, v in states.items()})


def owned_by(phone: str, kind: str | None = None) -> ObjectFacts:
    return ObjectFacts(reference="EBC-2501234", customer_phone=phone, kind=kind)


OBJECT_CASES: list[tuple[str, str, Actor, ObjectFacts, str | None]] = [
    # (case, command, actor, facts, refusal code or None)
    ("customer's own booking", "CheckBookingStatus", ASHA, owned_by(ASHA.phone), None),
    ("own booking, other format", "CheckBookingStatus", ASHA, owned_by("009779841234567"), None),
    (
        "someone else's booking",
        "CheckBookingStatus",
        ASHA,
        owned_by("+447700900123"),
        NOT_YOUR_BOOKING,
    ),
    ("booking with no customer phone", "CheckBookingStatus", ASHA, ObjectFacts(), NOT_YOUR_BOOKING),
    ("staff see any booking", "CheckBookingStatus", SITA, owned_by("+447700900123"), None),
    ("customer's own lead", "AcceptQuote", ASHA, owned_by(ASHA.phone), None),
    ("someone else's lead", "AcceptQuote", ASHA, owned_by("+447700900123"), NOT_YOUR_LEAD),
    ("a waitlist on another's lead", "JoinWaitlist", ASHA, owned_by("+4915123"), NOT_YOUR_LEAD),
    ("customer takes their own offer", "ConfirmWaitlistOffer", ASHA, owned_by(ASHA.phone), None),
    (
        "someone else's offer",
        "DeclineWaitlistOffer",
        ASHA,
        owned_by("+447700900123"),
        NOT_YOUR_BOOKING,
    ),
    ("office answers any offer", "ConfirmWaitlistOffer", MAYA, owned_by("+4915123"), None),
    ("handoff on own booking", "RequestHandoff", ASHA, owned_by(ASHA.phone, "BOOKING"), None),
    ("handoff on own lead", "RequestHandoff", ASHA, owned_by(ASHA.phone, "LEAD"), None),
    (
        "handoff on another's booking",
        "RequestHandoff",
        ASHA,
        owned_by("+4915123", "BOOKING"),
        NOT_YOUR_BOOKING,
    ),
    ("handoff on another's lead", "RequestHandoff", ASHA, owned_by("+4915123"), NOT_YOUR_LEAD),
    ("guide on the crew", "ReportIncident", PEMBA, crew(pemba="ACCEPTED"), None),
    (
        "guide on another guide's trip",
        "ReportIncident",
        PEMBA,
        crew(dawa="ACCEPTED"),
        NOT_ASSIGNED,
    ),
    ("guide only offered the trip", "CheckIn", PEMBA, crew(pemba="OFFERED"), NOT_ASSIGNED),
    ("guide who declined", "CheckOut", PEMBA, crew(pemba="DECLINED"), NOT_ASSIGNED),
    ("guide checking an offered trip", "CheckTripStatus", PEMBA, crew(pemba="OFFERED"), None),
    ("guide checking another's trip", "CheckTripStatus", PEMBA, crew(dawa="OFFERED"), NOT_ASSIGNED),
    ("operations on any trip", "ReportIncident", MAYA, crew(), None),
    ("operations resolve on any trip", "ResolveIncident", MAYA, crew(dawa="ACCEPTED"), None),
]


@pytest.mark.parametrize(
    ("command", "actor", "facts", "code"),
    [case[1:] for case in OBJECT_CASES],
    ids=[case[0] for case in OBJECT_CASES],
)
def test_object_rules(command: str, actor: Actor, facts: ObjectFacts, code: str | None) -> None:
    refusal = check_object(command, actor, facts)
    if code is None:
        assert refusal is None
    else:
        assert refusal is not None
        assert (refusal.code, refusal.status) == (code, 403)
        assert refusal.reason.startswith("Sorry, ")


def test_a_refusal_names_the_object() -> None:
    refusal = check_object("CheckIn", PEMBA, crew(dawa="ACCEPTED"))
    assert refusal is not None
    assert refusal.reason == "Sorry, you're not on the crew of trip EBC-251005."


def test_field_staff_without_a_user_id_are_never_on_a_crew() -> None:
    anonymous: Any = PEMBA.model_copy(update={"user_id": None})
    assert check_object("CheckIn", anonymous, crew(pemba="ACCEPTED")) is not None


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("+9779841234567", "+977 984-123-4567", True),
        ("+9779841234567", "009779841234567", True),
        ("+9779841234567", "9779841234567", True),
        ("+9779841234567", "+9779841234568", False),
        ("+9779841234567", None, False),
        ("", "", False),
    ],
)
def test_phones_compare_by_their_digits(a: str, b: str | None, same: bool) -> None:
    assert same_phone(a, b) is same
