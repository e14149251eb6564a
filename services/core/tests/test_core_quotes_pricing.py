"""Quote pricing and a booking's account, as pure Decimal rules (with hypothesis)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from core.domain.catalogue import DepositRule
from core.domain.errors import Invalid, RuleViolation
from core.domain.payments import (
    BALANCE,
    DEPOSIT,
    DEPOSIT_PAID,
    FULL,
    FULL_PAID,
    UNPAID,
    Account,
    balance_due_date,
    reminders_due_by,
)
from core.domain.quotes import CENT, EARLY_BIRD, REP_DISCOUNT, EarlyBirdRule, price_quote
from hypothesis import given
from hypothesis import strategies as st

TODAY = date(2025, 1, 10)
RULE = EarlyBirdRule(Decimal(10), 90)

prices = st.decimals(min_value=0, max_value=100_000, places=2, allow_nan=False)
percents = st.decimals(min_value=0, max_value=100, places=2, allow_nan=False)
amounts = st.decimals(min_value=0, max_value=1_000_000, places=2, allow_nan=False)


def test_price_times_pax_with_the_early_bird_when_far_enough_ahead() -> None:
    far = price_quote(
        unit_price=Decimal("1450"),
        pax=3,
        departure_start=TODAY + timedelta(days=91),
        today=TODAY,
        early_bird=RULE,
    )
    assert (far.subtotal, far.total) == (Decimal("4350.00"), Decimal("3915.00"))
    assert [(d.kind, d.amount) for d in far.discounts] == [(EARLY_BIRD, Decimal("435.00"))]
    near = price_quote(
        unit_price=Decimal("1450"),
        pax=3,
        departure_start=TODAY + timedelta(days=90),  # not *more* than 90 days
        today=TODAY,
        early_bird=RULE,
    )
    assert (near.discounts, near.total) == ((), Decimal("4350.00"))


def test_the_reps_discount_is_a_line_and_bounded() -> None:
    quote = price_quote(
        unit_price=Decimal("220"),
        pax=2,
        departure_start=TODAY + timedelta(days=10),
        today=TODAY,
        early_bird=RULE,
        rep_percent=Decimal(5),
        rep_amount=Decimal("10.50"),
        max_rep_percent=Decimal(15),
    )
    assert [(d.kind, d.amount) for d in quote.discounts] == [(REP_DISCOUNT, Decimal("32.50"))]
    assert quote.total == Decimal("407.50")
    with pytest.raises(Invalid) as refused:
        price_quote(
            unit_price=Decimal("220"),
            pax=2,
            departure_start=TODAY,
            today=TODAY,
            early_bird=None,
            rep_percent=Decimal(10),
            rep_amount=Decimal("30"),
            max_rep_percent=Decimal(15),
        )
    assert refused.value.code == "REP_DISCOUNT_TOO_LARGE"


def test_rounding_is_half_up_to_cents_per_line() -> None:
    quote = price_quote(
        unit_price=Decimal("33.333"),
        pax=1,
        departure_start=TODAY + timedelta(days=200),
        today=TODAY,
        early_bird=EarlyBirdRule(Decimal("12.5"), 90),
    )
    assert quote.unit_price == Decimal("33.33")
    assert quote.discounts[0].amount == Decimal("4.17")  # 4.16625
    assert quote.total == Decimal("29.16")


@given(
    unit=prices,
    pax=st.integers(1, 50),
    days=st.integers(-10, 800),
    early=percents,
    early_days=st.integers(0, 365),
    rep_percent=percents,
    rep_amount=amounts,
    max_rep=percents,
)
def test_totals_never_negative_discounts_never_exceed_the_subtotal(
    unit: Decimal,
    pax: int,
    days: int,
    early: Decimal,
    early_days: int,
    rep_percent: Decimal,
    rep_amount: Decimal,
    max_rep: Decimal,
) -> None:
    try:
        quote = price_quote(
            unit_price=unit,
            pax=pax,
            departure_start=TODAY + timedelta(days=days),
            today=TODAY,
            early_bird=EarlyBirdRule(early, early_days),
            rep_percent=rep_percent,
            rep_amount=rep_amount,
            max_rep_percent=max_rep,
        )
    except Invalid as refused:
        assert refused.code == "REP_DISCOUNT_TOO_LARGE"
        assert rep_percent + rep_amount > 0
        return
    assert quote.total >= 0
    assert quote.discount_total <= quote.subtotal
    assert quote.total == quote.subtotal - quote.discount_total
    for amount in (quote.subtotal, quote.total, *(d.amount for d in quote.discounts)):
        assert amount == amount.quantize(CENT)
        assert amount >= 0
    assert all(d.amount > 0 for d in quote.discounts)


def test_account_status_follows_what_is_paid() -> None:
    account = Account(Decimal("4350.00"), Decimal("1305.00"), Decimal(0))
    assert (account.status, account.balance) == (UNPAID, Decimal("4350.00"))
    assert account.link_amount(DEPOSIT) == Decimal("1305.00")
    assert account.link_amount(FULL) == Decimal("4350.00")
    part = account.receive(Decimal("1000"))
    assert part.status == UNPAID and part.link_amount(DEPOSIT) == Decimal("305.00")
    with pytest.raises(RuleViolation) as refused:
        part.link_amount(FULL)
    assert refused.value.code == "PAYMENT_LINK_KIND_NOT_ALLOWED"
    deposit = part.receive(Decimal("305"))
    assert deposit.status == DEPOSIT_PAID and deposit.deposit_reached
    with pytest.raises(RuleViolation) as refused:
        deposit.link_amount(DEPOSIT)
    assert refused.value.code == "PAYMENT_NOT_DUE"
    assert deposit.link_amount(BALANCE) == Decimal("3045.00")
    full = deposit.receive(Decimal("3100"))
    assert (full.status, full.balance, full.overpaid) == (FULL_PAID, 0, Decimal("55.00"))
    with pytest.raises(RuleViolation):
        full.link_amount(BALANCE)


@given(
    total=st.decimals(min_value=0, max_value=100_000, places=2),
    percent=percents,
    pax=st.integers(1, 50),
    payments=st.lists(st.decimals(min_value="0.01", max_value=50_000, places=2), max_size=6),
)
def test_an_account_is_consistent_whatever_is_paid(
    total: Decimal, percent: Decimal, pax: int, payments: list[Decimal]
) -> None:
    deposit = DepositRule("PERCENT", percent).due(total, pax)
    account = Account(total, deposit, Decimal(0))
    for amount in payments:
        before = account
        account = account.receive(amount)
        assert account.paid == before.paid + amount
        order = [UNPAID, DEPOSIT_PAID, FULL_PAID]
        assert order.index(account.status) >= order.index(before.status)  # never goes back
    assert account.paid - account.overpaid + account.balance == total
    assert account.balance == 0 or account.overpaid == 0


def test_balance_due_date_and_reminder_window() -> None:
    start = date(2025, 10, 5)
    assert balance_due_date(start, 30, TODAY) == date(2025, 9, 5)
    assert balance_due_date(start, 30, date(2025, 9, 20)) == date(2025, 9, 20)  # late: now
    assert reminders_due_by(TODAY, 7) == date(2025, 1, 17)
