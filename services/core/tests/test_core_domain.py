"""Pure lead and phone rules."""

from __future__ import annotations

from datetime import date

import pytest
from core.domain.leads import (
    InconsistentTravelDates,
    LeadDraft,
    RepLoad,
    choose_rep,
    resolve_travel_month,
    travel_year,
)
from core.domain.phones import InvalidPhone, normalize_phone

TODAY = date(2025, 1, 10)


def test_travel_year_prefers_date_then_month_then_today() -> None:
    assert travel_year(None, date(2026, 4, 2), TODAY) == 2026
    assert travel_year("2027-03", None, TODAY) == 2027
    assert travel_year(None, None, TODAY) == 2025


def test_travel_month_comes_from_the_date_and_must_agree_with_it() -> None:
    assert resolve_travel_month("2025-03", None) == "2025-03"
    assert resolve_travel_month(None, date(2025, 3, 9)) == "2025-03"
    assert resolve_travel_month("2025-03", date(2025, 3, 9)) == "2025-03"
    assert resolve_travel_month(None, None) is None
    with pytest.raises(InconsistentTravelDates):
        resolve_travel_month("2025-04", date(2025, 3, 9))


def rep(user_id: str, open_leads: int, last: int | None) -> RepLoad:
    return RepLoad(user_id, user_id, "+9779800000001", open_leads, last)


def test_rep_with_fewest_open_leads_wins() -> None:
    assert choose_rep([rep("a", 3, 1), rep("b", 1, 9), rep("c", 2, None)]) == rep("b", 1, 9)


def test_ties_go_to_the_rep_who_waited_longest_then_by_id() -> None:
    assert choose_rep([rep("a", 1, 5), rep("b", 1, 2)]).user_id == "b"  # type: ignore[union-attr]
    assert choose_rep([rep("a", 1, 5), rep("b", 1, None)]).user_id == "b"  # type: ignore[union-attr]
    assert choose_rep([rep("b", 0, None), rep("a", 0, None)]).user_id == "a"  # type: ignore[union-attr]


def test_no_reps_means_no_assignment() -> None:
    assert choose_rep([]) is None


def test_round_robin_over_equal_reps() -> None:
    reps = {"a": rep("a", 0, None), "b": rep("b", 0, None)}
    order = []
    for seq in range(1, 5):
        chosen = choose_rep(list(reps.values()))
        assert chosen is not None
        order.append(chosen.user_id)
        reps[chosen.user_id] = rep(chosen.user_id, chosen.open_leads + 1, seq)
    assert order == ["a", "b", "a", "b"]


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("+9779841234567", "+9779841234567"),
        ("+977 984-123-4567", "+9779841234567"),
        ("009779841234567", "+9779841234567"),
        ("9779841234567", "+9779841234567"),  # a WhatsApp id
        ("+1 (650) 253-0000", "+16502530000"),
        ("+9779891234567", "+9779891234567"),  # possible, though not in the prefix tables
    ],
)
def test_phones_normalize_to_e164(raw: str, e164: str) -> None:
    assert normalize_phone(raw) == e164


@pytest.mark.parametrize("raw", ["", "abc", "+9779", "12", "+97798412345678901", "call me"])
def test_impossible_phones_are_refused(raw: str) -> None:
    with pytest.raises(InvalidPhone):
        normalize_phone(raw)


def test_fingerprint_is_stable_and_changes_with_the_request() -> None:
    draft = LeadDraft(tour_code="EBC", pax=3, customer_phone="+9779841234567")
    assert draft.fingerprint() == LeadDraft("EBC", 3, "+9779841234567").fingerprint()
    assert draft.fingerprint() != LeadDraft("EBC", 4, "+9779841234567").fingerprint()
    dated = LeadDraft("EBC", 3, "+9779841234567", travel_date=date(2025, 3, 1))
    assert dated.fingerprint() != draft.fingerprint()
