"""The role table: who may ask for which command."""

from __future__ import annotations

import pytest
from orchestrator.domain.permissions import (
    COMMANDS,
    FORBIDDEN_ROLE,
    ROLES,
    UNKNOWN_COMMAND,
    authorize,
)
from orchestrator.handlers.executors import EXECUTORS


@pytest.mark.parametrize("role", ["CUSTOMER", "SALES", "OPERATIONS", "MANAGER"])
def test_create_lead_is_open_to_customers_and_the_office(role: str) -> None:
    assert authorize("CreateLead", role) is None  # type: ignore[arg-type]


def test_field_staff_may_not_create_leads_and_are_told_politely() -> None:
    refusal = authorize("CreateLead", "FIELD_STAFF")
    assert refusal is not None
    assert refusal.code == FORBIDDEN_ROLE
    assert refusal.reason == "Sorry, field staff can't register enquiries through WhatsApp."


def test_an_unknown_command_is_refused_as_unknown() -> None:
    refusal = authorize("LaunchRocket", "MANAGER")
    assert refusal is not None
    assert refusal.code == UNKNOWN_COMMAND
    assert "LaunchRocket" in refusal.reason


@pytest.mark.parametrize(
    ("command", "allowed"),
    [
        ("SendQuote", {"SALES", "MANAGER"}),
        ("ConvertLead", {"SALES", "MANAGER"}),
        ("HoldSeats", {"CUSTOMER", "SALES", "OPERATIONS", "MANAGER"}),
        ("AssignStaff", {"OPERATIONS", "MANAGER"}),
        ("Broadcast", {"OPERATIONS", "MANAGER"}),
        ("CheckIn", {"FIELD_STAFF"}),
        ("CheckOut", {"FIELD_STAFF"}),
        ("ReportIncident", {"FIELD_STAFF", "OPERATIONS", "MANAGER"}),
        ("ApproveOverride", {"MANAGER"}),
    ],
)
def test_the_later_commands_are_declared_with_their_roles(command: str, allowed: set[str]) -> None:
    assert {role for role in ROLES if authorize(command, role) is None} == allowed


def test_every_role_reads_well_in_a_refusal_and_every_executor_is_declared() -> None:
    for rule in COMMANDS.values():
        assert rule.roles, rule.name
        for role in set(ROLES) - rule.roles:
            refusal = authorize(rule.name, role)
            assert refusal is not None and refusal.reason.startswith("Sorry, ")
    assert set(EXECUTORS) <= set(COMMANDS)


def test_managers_can_do_everything_sales_and_operations_can() -> None:
    for rule in COMMANDS.values():
        if {"SALES", "OPERATIONS"} & rule.roles:
            assert "MANAGER" in rule.roles, rule.name
