"""The conversation rules as pure functions: window, expiry, actor, phone, command args."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from conversation_engine.domain.conversations import (
    DirectoryEntry,
    OpenConversation,
    Step,
    actor_role,
    carried_profile_name,
    create_lead_args,
    extended_window,
    is_expired,
    next_step,
    opening_window,
)
from conversation_engine.settings import ConversationSettings

TTL = timedelta(hours=24)
T0 = datetime(2025, 1, 10, 9, 15, tzinfo=UTC)


def conversation(last: datetime = T0, name: str | None = "Asha") -> OpenConversation:
    return OpenConversation(
        id="c-1",
        actor_role="CUSTOMER",
        profile_name=name,
        last_inbound_at=last,
        expires_at=last + TTL,
    )


def test_the_first_message_opens_a_conversation() -> None:
    assert next_step(None, T0) is Step.OPEN
    window = opening_window(T0, TTL)
    assert (window.last_inbound_at, window.expires_at) == (T0, T0 + TTL)


def test_a_message_inside_the_window_continues_it() -> None:
    assert next_step(conversation(), T0 + timedelta(hours=23, minutes=59)) is Step.CONTINUE


def test_the_window_closes_exactly_at_its_expiry() -> None:
    assert next_step(conversation(), T0 + TTL) is Step.START_OVER
    assert next_step(conversation(), T0 + timedelta(days=3)) is Step.START_OVER
    assert is_expired(T0 + TTL, T0 + TTL)
    assert not is_expired(T0 + TTL, T0 + TTL - timedelta(microseconds=1))


def test_each_inbound_message_extends_the_window() -> None:
    later = T0 + timedelta(hours=10)
    window = extended_window(T0, later, TTL)
    assert (window.last_inbound_at, window.expires_at) == (later, later + TTL)


def test_an_older_message_never_shortens_the_window() -> None:
    window = extended_window(T0, T0 - timedelta(minutes=5), TTL)
    assert (window.last_inbound_at, window.expires_at) == (T0, T0 + TTL)


def test_naive_timestamps_are_read_as_utc() -> None:
    naive = datetime(2025, 1, 11, 9, 15)
    assert next_step(conversation(), naive) is Step.START_OVER
    assert opening_window(naive, TTL).last_inbound_at.tzinfo is UTC


def test_a_new_conversation_keeps_the_known_name() -> None:
    assert carried_profile_name(conversation(name="Asha"), None) == "Asha"
    assert carried_profile_name(conversation(name="Asha"), "  ") == "Asha"
    assert carried_profile_name(conversation(name="Asha"), "Asha K") == "Asha K"
    assert carried_profile_name(None, None) is None


def test_directory_phones_are_staff_and_others_customers() -> None:
    sales = DirectoryEntry(user_id="u-1", name="Sita", role="SALES", active=True)
    assert actor_role(sales) == "SALES"
    assert actor_role(None) == "CUSTOMER"
    assert actor_role(DirectoryEntry("u-2", "Ram", "SALES", active=False)) == "CUSTOMER"


@dataclass(frozen=True)
class _Enquiry:
    tour_code: str | None
    pax: int | None
    travel_month: object
    travel_date: object


def test_create_lead_args_are_json_ready() -> None:
    args = create_lead_args(_Enquiry("EBC", 3, date(2025, 3, 1), date(2025, 3, 14)))
    assert args == {
        "tour_code": "EBC",
        "pax": 3,
        "travel_month": "2025-03",
        "travel_date": "2025-03-14",
    }
    args = create_lead_args(_Enquiry("EBC", None, "2025-03", None))
    assert args == {"tour_code": "EBC", "pax": None, "travel_month": "2025-03", "travel_date": None}


def test_settings_read_the_documented_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WAOPS_CONVERSATION_ENGINE_PORT", raising=False)
    monkeypatch.delenv("WAOPS_CONVERSATION_TTL_HOURS", raising=False)
    assert ConversationSettings().port == 8081
    assert ConversationSettings().conversation_ttl_hours == 24
    monkeypatch.setenv("WAOPS_CONVERSATION_ENGINE_PORT", "9991")
    monkeypatch.setenv("WAOPS_CONVERSATION_TTL_HOURS", "12")
    settings = ConversationSettings()
    assert (settings.port, settings.conversation_ttl_hours) == (9991, 12)
