"""Pure field-operations rules: the trip, assignment and incident state machines, trip
references, double booking and the directory's role/kind rule."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from core.domain import assignments, incidents, trips
from core.domain.directory import StaffProfile, check_profile, check_tenant_id, merge_profile
from core.domain.errors import Invalid, RuleViolation
from hypothesis import given
from hypothesis import strategies as st

MACHINES = [
    ("TRIP", trips.STATES, trips.ACTIONS, trips.TRANSITIONS, trips.next_state),
    (
        "ASSIGNMENT",
        assignments.STATES,
        assignments.ACTIONS,
        assignments.TRANSITIONS,
        assignments.next_state,
    ),
    ("INCIDENT", incidents.STATES, incidents.ACTIONS, incidents.TRANSITIONS, incidents.next_state),
]
ALLOWED = [(m[0], s, a, t, m[4]) for m in MACHINES for (s, a), t in m[3].items()]
REFUSED = [(m[0], s, a, m[4]) for m in MACHINES for s in m[1] for a in m[2] if (s, a) not in m[3]]


@pytest.mark.parametrize(("machine", "state", "action", "target", "step"), ALLOWED)
def test_every_allowed_transition(
    machine: str, state: str, action: str, target: str, step: Callable[[str, str], str]
) -> None:
    assert step(state, action) == target


@pytest.mark.parametrize(("machine", "state", "action", "step"), REFUSED)
def test_every_other_transition_is_refused_with_its_code(
    machine: str, state: str, action: str, step: Callable[[str, str], str]
) -> None:
    with pytest.raises(RuleViolation) as refused:
        step(state, action)
    assert refused.value.code == f"{machine}_INVALID_TRANSITION"
    assert refused.value.details == {"state": state, "action": action}
    assert refused.value.status == 409


def test_the_trip_lifecycle_is_the_documented_chain() -> None:
    state = trips.SCHEDULED
    for action, expected in (
        (trips.ACCEPT, trips.STAFF_ASSIGNED),
        (trips.CHECK_IN, trips.STARTED),
        (trips.PROGRESS, trips.IN_PROGRESS),
        (trips.CHECK_OUT, trips.ENDED),
        (trips.CLOSE, trips.CLOSED),
    ):
        state = trips.next_state(state, action)
        assert state == expected
    assert not any(trips.allowed(trips.CLOSED, a) for a in trips.ACTIONS)  # final


ORDER = {s: i for i, s in enumerate(trips.STATES)}


@given(st.lists(st.sampled_from(trips.ACTIONS), max_size=40))
def test_random_trip_commands_only_ever_move_forward(actions: list[str]) -> None:
    state = trips.SCHEDULED
    visited = [state]
    for action in actions:
        try:
            new = trips.next_state(state, action)
        except RuleViolation as refused:
            assert refused.code == "TRIP_INVALID_TRANSITION"
            continue  # refused: the state is untouched
        assert new in trips.STATES
        assert ORDER[new] >= ORDER[state]  # never back
        if new == trips.STARTED != state:
            assert state == trips.STAFF_ASSIGNED  # a trip only starts once staffed
        if new == trips.ENDED != state:
            assert trips.STARTED in visited  # and only ends once started
        if new != state:
            visited.append(new)
        state = new
    assert visited == sorted(visited, key=ORDER.__getitem__)


@given(st.lists(st.sampled_from(assignments.ACTIONS), max_size=10))
def test_random_answers_give_at_most_one_final_answer(actions: list[str]) -> None:
    state = assignments.OFFERED
    answers = 0
    for action in actions:
        try:
            state = assignments.next_state(state, action)
            answers += 1
        except RuleViolation as refused:
            assert refused.code == "ASSIGNMENT_INVALID_TRANSITION"
        assert state in assignments.STATES
    assert answers <= 1
    assert (state == assignments.OFFERED) == (answers == 0)


@given(st.lists(st.sampled_from([*incidents.STATES, None]), max_size=20))
def test_random_incident_updates_never_leave_resolved(targets: list[str | None]) -> None:
    state = incidents.OPEN
    resolved = False
    for target in targets:
        try:
            state = incidents.next_state(state, incidents.action_for_update(target))
        except RuleViolation as refused:
            assert refused.code == "INCIDENT_INVALID_TRANSITION"
        assert state in incidents.STATES
        resolved = resolved or state == incidents.RESOLVED
        assert (state == incidents.RESOLVED) == resolved  # RESOLVED is final


D = date(2026, 3, 15)


@pytest.mark.parametrize(
    ("start", "end", "clash"),
    [
        (D - timedelta(days=5), D - timedelta(days=1), False),
        (D - timedelta(days=5), D, True),  # ends the day the other starts
        (D + timedelta(days=3), D + timedelta(days=4), True),  # inside
        (D + timedelta(days=13), D + timedelta(days=20), True),  # starts on its last day
        (D + timedelta(days=14), D + timedelta(days=20), False),
    ],
)
def test_double_booking_is_any_shared_day(start: date, end: date, clash: bool) -> None:
    booked = [assignments.Booked("EBC-260315", D, D + timedelta(days=13))]
    if clash:
        with pytest.raises(RuleViolation) as refused:
            assignments.check_free(start, end, booked)
        assert refused.value.code == "STAFF_DOUBLE_BOOKED"
        assert refused.value.details == {"trip_reference": "EBC-260315"}
    else:
        assignments.check_free(start, end, booked)


@given(st.dates(), st.integers(0, 30), st.dates(), st.integers(0, 30))
def test_overlap_is_symmetric_and_matches_shared_days(
    a: date, a_len: int, b: date, b_len: int
) -> None:
    if a.year > 9000 or b.year > 9000:
        return
    a_end, b_end = a + timedelta(days=a_len), b + timedelta(days=b_len)
    days_a = {a + timedelta(days=i) for i in range(a_len + 1)}
    days_b = {b + timedelta(days=i) for i in range(b_len + 1)}
    assert assignments.overlaps(a, a_end, b, b_end) == bool(days_a & days_b)
    assert assignments.overlaps(a, a_end, b, b_end) == assignments.overlaps(b, b_end, a, a_end)


@pytest.mark.parametrize(
    ("role", "kind", "ok"),
    [
        ("LEAD_GUIDE", "guide", True),
        ("GUIDE", "guide", True),
        ("DRIVER", "driver", True),
        ("PORTER", "porter", True),
        ("LEAD_GUIDE", "porter", False),
        ("DRIVER", "guide", False),
        ("PORTER", None, False),
    ],
)
def test_the_role_on_a_trip_needs_the_matching_kind(role: str, kind: str | None, ok: bool) -> None:
    if ok:
        assignments.check_role_fits(role, kind)
    else:
        with pytest.raises(RuleViolation, match="must be") as refused:
            assignments.check_role_fits(role, kind)
        assert refused.value.code == "STAFF_KIND_MISMATCH"


def test_one_live_lead_guide_per_trip() -> None:
    assignments.check_lead_guide_free("LEAD_GUIDE", ["DRIVER", "PORTER"])
    assignments.check_lead_guide_free("GUIDE", ["LEAD_GUIDE"])
    with pytest.raises(RuleViolation) as refused:
        assignments.check_lead_guide_free("LEAD_GUIDE", ["LEAD_GUIDE"])
    assert refused.value.code == "LEAD_GUIDE_TAKEN"


@pytest.mark.parametrize(
    ("role", "kind", "code"),
    [
        ("FIELD_STAFF", None, "STAFF_KIND_REQUIRED"),
        ("FIELD_STAFF", "cook", "UNKNOWN_STAFF_KIND"),
        ("SALES", "guide", "STAFF_KIND_NOT_ALLOWED"),
        ("CEO", None, "UNKNOWN_ROLE"),
    ],
)
def test_profiles_are_checked(role: str, kind: str | None, code: str) -> None:
    with pytest.raises(Invalid) as refused:
        check_profile(role, kind)
    assert refused.value.code == code


def test_profile_changes_merge_with_the_current_one() -> None:
    porter = StaffProfile("FIELD_STAFF", "porter")
    assert merge_profile(porter, None, "guide", True) == StaffProfile("FIELD_STAFF", "guide")
    assert merge_profile(porter, "MANAGER", None, False) == StaffProfile("MANAGER", None)
    assert merge_profile(porter, None, None, False) == porter
    with pytest.raises(Invalid):
        merge_profile(StaffProfile("SALES", None), "FIELD_STAFF", None, False)
    assert merge_profile(StaffProfile("SALES", None), "FIELD_STAFF", "driver", True) == (
        StaffProfile("FIELD_STAFF", "driver")
    )


def test_tenant_ids_are_slugs() -> None:
    assert check_tenant_id("everest-adventures") == "everest-adventures"
    for bad in ("A", "Everest", "-x", "a b", "x" * 64):
        with pytest.raises(Invalid):
            check_tenant_id(bad)
