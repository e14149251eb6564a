"""The notifier's pure parts: the message model, the error decisions per provider, the
status lifecycle (property-based over shuffled arrival orders) and the circuit breaker."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from notifier.adapters.breaker import ChannelBreakers, State
from notifier.domain.content import (
    Button,
    Buttons,
    ListMessage,
    Media,
    Row,
    Section,
    Template,
    TemplateComponent,
    TemplateParameter,
    Text,
    numbered_choices,
    parse_content,
    summary,
)
from notifier.domain.decisions import decide_d360, decide_meta, decide_twilio
from notifier.domain.lifecycle import RANK, Lifecycle, StatusReport, apply, fold
from pydantic import ValidationError

# ------------------------------------------------------------------------ decisions


@pytest.mark.parametrize(
    ("code", "status", "decision"),
    [
        (130429, 400, "retry"),  # Cloud API throughput reached
        (131056, 400, "retry"),  # pair rate limit
        (131000, 500, "retry"),
        (2, 503, "retry"),
        (4, 400, "retry"),
        (80007, 400, "retry"),
        (None, 500, "retry"),
        (None, 503, "retry"),
        (None, 429, "retry"),
        (None, None, "retry"),  # timeout / connection refused: no answer at all
        (131047, 400, "drop"),  # outside the 24-hour window
        (131026, 400, "drop"),  # undeliverable
        (132000, 400, "drop"),  # template parameter count
        (132001, 404, "drop"),  # template does not exist
        (132015, 400, "drop"),  # template paused (the template range)
        (100, 400, "drop"),  # bad parameter
        (131008, 400, "drop"),
        (131009, 400, "drop"),
        (None, 400, "drop"),
        (190, 401, "halt"),  # access token expired
        (368, 403, "halt"),  # policy block
        (10, 403, "halt"),
        (200, 403, "halt"),  # permissions range
        (131031, 400, "halt"),
        (None, 401, "halt"),
    ],
)
def test_meta_decisions(code: int | None, status: int | None, decision: str) -> None:
    assert decide_meta(code, status) == decision


@pytest.mark.parametrize(
    ("code", "status", "decision"),
    [
        (None, 401, "halt"),  # a wrong or revoked D360-API-KEY
        (190, 401, "halt"),
        (368, 403, "halt"),
        (130429, 400, "retry"),
        (131056, 400, "retry"),
        (None, 502, "retry"),
        (131047, 400, "drop"),
        (131026, 400, "drop"),
        (132000, 400, "drop"),
    ],
)
def test_360dialog_decisions(code: int | None, status: int | None, decision: str) -> None:
    assert decide_d360(code, status) == decision


@pytest.mark.parametrize(
    ("code", "status", "decision"),
    [
        (20429, 429, "retry"),
        (20500, 500, "retry"),
        (20503, 503, "retry"),
        (63018, 429, "retry"),
        (None, None, "retry"),
        (None, 502, "retry"),
        (63016, 400, "drop"),  # outside the 24-hour window
        (21211, 400, "drop"),  # invalid To
        (21610, 400, "drop"),  # unsubscribed
        (63027, 400, "drop"),  # template missing
        (21656, 400, "drop"),  # bad ContentVariables
        (20003, 401, "halt"),  # wrong account sid / auth token
        (20404, 404, "halt"),
        (63007, 400, "halt"),  # no WhatsApp sender with that From
        (63112, 400, "halt"),  # Meta business account disabled
        (None, 401, "halt"),
        (None, 400, "drop"),
    ],
)
def test_twilio_decisions(code: int | None, status: int | None, decision: str) -> None:
    assert decide_twilio(code, status) == decision


# --------------------------------------------------------------------------- content


def test_a_media_message_needs_exactly_one_source() -> None:
    with pytest.raises(ValidationError):
        Media(media_type="image")
    with pytest.raises(ValidationError):
        Media(media_type="image", link="https://x/y.jpg", media_id="123")
    with pytest.raises(ValidationError):
        Media(media_type="audio", media_id="1", caption="audio takes none")
    assert Media(media_type="image", media_id="123").media_id == "123"


def test_interactive_limits_are_checked() -> None:
    with pytest.raises(ValidationError):
        Buttons(body="b", buttons=tuple(Button(id=str(i), title=f"t{i}") for i in range(4)))
    with pytest.raises(ValidationError):
        Button(id="1", title="x" * 21)
    rows = tuple(Row(id=str(i), title=f"r{i}") for i in range(6))
    with pytest.raises(ValidationError):  # 12 rows in all
        ListMessage(
            body="b",
            button="Choose",
            sections=(Section(title="a", rows=rows), Section(title="b", rows=rows)),
        )
    with pytest.raises(ValidationError):  # several sections, one untitled
        ListMessage(
            body="b", button="Choose", sections=(Section(rows=rows[:1]), Section(rows=rows[1:2]))
        )


def test_content_round_trips_through_json() -> None:
    template = Template(
        name="booking_confirmed",
        language="en_US",
        components=(
            TemplateComponent(
                type="header", parameters=(TemplateParameter(type="image", link="https://x/i.png"),)
            ),
            TemplateComponent(
                type="body",
                parameters=(TemplateParameter(text="Asha"), TemplateParameter(text="EBC2501234")),
            ),
            TemplateComponent(
                type="button",
                sub_type="quick_reply",
                index=0,
                parameters=(TemplateParameter(type="payload", payload="CONFIRM"),),
            ),
        ),
    )
    assert parse_content(template.model_dump(mode="json")) == template
    assert template.variables() == {"1": "Asha", "2": "EBC2501234", "3": "CONFIRM"}
    assert summary(template) == "[template booking_confirmed] Asha | EBC2501234"
    assert summary(Text(body="hi")) == "hi"


def test_choices_as_numbered_text() -> None:
    text = numbered_choices(
        Buttons(
            body="When?",
            buttons=(Button(id="am", title="Morning"), Button(id="pm", title="Evening")),
            footer="Namaste",
        )
    )
    assert text.splitlines() == [
        "When?",
        "",
        "1. Morning",
        "2. Evening",
        "",
        "Reply with the number of your choice.",
        "Namaste",
    ]


# ------------------------------------------------------------------------- lifecycle

T0 = datetime(2025, 1, 10, 9, 0, tzinfo=UTC)
reports = st.builds(
    StatusReport,
    status=st.sampled_from(["sent", "delivered", "read", "failed", "deleted"]),
    occurred_at=st.integers(0, 600).map(lambda s: T0 + timedelta(seconds=s)),
    error_code=st.sampled_from([None, 131026, 131047]),
    error_title=st.sampled_from([None, "Message undeliverable", "Re-engagement message"]),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(reports, min_size=1, max_size=8), st.randoms(use_true_random=False))
def test_statuses_end_the_same_whatever_their_arrival_order(
    arrived: list[StatusReport], rng: object
) -> None:
    shuffled = list(arrived)
    rng.shuffle(shuffled)  # type: ignore[attr-defined]
    assert fold(shuffled) == fold(arrived)
    # The end state is the highest status reported (deleted moves nothing).
    ranked = [r.status for r in arrived if r.status in RANK]
    expected = max(ranked, key=RANK.__getitem__) if ranked else "queued"
    assert fold(arrived).status == expected


@settings(max_examples=200, deadline=None)
@given(st.lists(reports, min_size=1, max_size=8))
def test_a_message_never_goes_backwards_and_duplicates_change_nothing(
    arrived: list[StatusReport],
) -> None:
    state = Lifecycle()
    for report in arrived:
        after = apply(state, report)
        assert RANK[after.status] >= RANK[state.status]
        assert apply(after, report) == after  # the same webhook twice
        state = after


def test_read_before_delivered_ends_read_and_failures_are_recorded() -> None:
    read = StatusReport("read", T0 + timedelta(seconds=5))
    delivered = StatusReport("delivered", T0 + timedelta(seconds=3))
    state = fold([StatusReport("sent", T0), read, delivered])
    assert state.status == "read"
    assert state.at["delivered"] == T0 + timedelta(seconds=3)
    failed = fold(
        [StatusReport("sent", T0), StatusReport("failed", T0, 131026, "Message undeliverable")]
    )
    assert (failed.status, failed.error_code, failed.error_title) == (
        "failed",
        131026,
        "Message undeliverable",
    )


# --------------------------------------------------------------------------- breaker


def test_the_breaker_opens_probes_and_closes() -> None:
    now = [0.0]
    changes: list[tuple[str, State]] = []
    breakers = ChannelBreakers(
        failures=3,
        cooldown=10.0,
        clock=lambda: now[0],
        on_change=lambda c, s: changes.append((c, s)),
    )
    for _ in range(2):
        assert breakers.admit("ch")
        breakers.failure("ch")
    assert breakers.state("ch") is State.CLOSED and breakers.paused() == []
    assert breakers.admit("ch")
    breakers.failure("ch")
    assert breakers.state("ch") is State.OPEN
    assert breakers.paused() == ["ch"] and not breakers.admit("ch")
    assert breakers.admit("other")  # one channel's outage does not stop another
    now[0] = 10.0
    assert breakers.paused() == []
    assert breakers.admit("ch")  # the probe
    assert not breakers.admit("ch")  # only one
    breakers.failure("ch")  # the probe failed: open again
    assert breakers.state("ch") is State.OPEN
    now[0] = 20.0
    assert breakers.admit("ch")
    breakers.success("ch")
    assert breakers.state("ch") is State.CLOSED and breakers.admit("ch")
    assert changes == [
        ("ch", State.OPEN),
        ("ch", State.HALF_OPEN),
        ("ch", State.OPEN),
        ("ch", State.HALF_OPEN),
        ("ch", State.CLOSED),
    ]
