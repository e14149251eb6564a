"""The lead pipeline as pure rules: every allowed move, every other one refused."""

from __future__ import annotations

import pytest
from core.domain.errors import RuleViolation
from core.domain.leads import (
    CONTACT,
    CONTACTED,
    CONVERT,
    FINAL_STATES,
    LEAD_ACTIONS,
    LEAD_STATES,
    LEAD_TRANSITIONS,
    LOSE,
    LOST,
    NEW,
    OPEN_STATES,
    QUALIFIED,
    QUALIFY,
    QUOTE,
    QUOTED,
    WON,
    next_lead_state,
)
from hypothesis import given
from hypothesis import strategies as st

ALLOWED = [
    (NEW, CONTACT, CONTACTED),
    (NEW, QUALIFY, QUALIFIED),
    (CONTACTED, QUALIFY, QUALIFIED),
    (NEW, QUOTE, QUOTED),
    (CONTACTED, QUOTE, QUOTED),
    (QUALIFIED, QUOTE, QUOTED),
    (QUOTED, QUOTE, QUOTED),
    (QUALIFIED, CONVERT, WON),
    (QUOTED, CONVERT, WON),
    (NEW, LOSE, LOST),
    (CONTACTED, LOSE, LOST),
    (QUALIFIED, LOSE, LOST),
    (QUOTED, LOSE, LOST),
]
REFUSED = [
    (state, action)
    for state in LEAD_STATES
    for action in LEAD_ACTIONS
    if (state, action) not in {(s, a) for s, a, _ in ALLOWED}
]


def test_the_table_is_exactly_the_documented_pipeline() -> None:
    assert {(s, a): t for s, a, t in ALLOWED} == LEAD_TRANSITIONS
    assert len(REFUSED) == len(LEAD_STATES) * len(LEAD_ACTIONS) - len(ALLOWED)


@pytest.mark.parametrize(("state", "action", "target"), ALLOWED)
def test_every_allowed_move(state: str, action: str, target: str) -> None:
    assert next_lead_state(state, action) == target


@pytest.mark.parametrize(("state", "action"), REFUSED)
def test_every_other_move_is_refused_with_the_rule(state: str, action: str) -> None:
    with pytest.raises(RuleViolation) as refused:
        next_lead_state(state, action)
    assert refused.value.code == "LEAD_INVALID_TRANSITION"
    assert refused.value.details == {"state": state, "action": action}


def test_won_only_by_conversion_and_final_states_are_final() -> None:
    assert {a for (_, a), t in LEAD_TRANSITIONS.items() if t == WON} == {CONVERT}
    assert not any(s in FINAL_STATES for s, _ in LEAD_TRANSITIONS)
    assert {s for (s, a) in LEAD_TRANSITIONS if a == LOSE} == OPEN_STATES


@given(st.lists(st.sampled_from(LEAD_ACTIONS), max_size=30))
def test_random_command_sequences_never_reach_an_invalid_state(actions: list[str]) -> None:
    """Applying commands (refused ones change nothing) always leaves a known state, never
    leaves WON/LOST once there, and reaches WON only through CONVERT."""
    state = NEW
    for action in actions:
        try:
            target = next_lead_state(state, action)
        except RuleViolation as refused:
            assert refused.code == "LEAD_INVALID_TRANSITION"
            assert (state, action) not in LEAD_TRANSITIONS
            continue
        assert state not in FINAL_STATES
        if target == WON:
            assert action == CONVERT and state in (QUALIFIED, QUOTED)
        state = target
        assert state in LEAD_STATES
