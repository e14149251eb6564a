"""Pricing a quote: per-person price, discounts, total — pure, in Decimal cents.

A quote's price is the tour's per-person price (or the departure's override) times pax.
Two discounts can apply, both as lines the customer sees:

- the early-bird rule: ``percent`` off when the departure starts more than ``min_days_ahead``
  days after the quote is made (per tour, else the core's setting);
- the rep's own discount (a percent and/or an amount), bounded: together at most
  ``max_rep_percent`` of the subtotal, so a typo cannot give a tour away.

Discounts together never exceed the subtotal, so a total is never negative. Every amount
is rounded half-up to cents once, per line, and the total is the subtotal minus the lines
as shown: what the customer reads adds up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from core.domain.errors import Invalid

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
EARLY_BIRD = "EARLY_BIRD"
REP_DISCOUNT = "REP_DISCOUNT"


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def percent_of(amount: Decimal, percent: Decimal) -> Decimal:
    return cents(amount * percent / HUNDRED)


@dataclass(frozen=True)
class EarlyBirdRule:
    percent: Decimal
    min_days_ahead: int  # the departure must start more than this many days after the quote

    def applies(self, departure_start: date, today: date) -> bool:
        return self.percent > 0 and (departure_start - today).days > self.min_days_ahead


@dataclass(frozen=True)
class DiscountLine:
    kind: str
    description: str
    amount: Decimal


@dataclass(frozen=True)
class Pricing:
    unit_price: Decimal
    pax: int
    subtotal: Decimal
    discounts: tuple[DiscountLine, ...]
    total: Decimal

    @property
    def discount_total(self) -> Decimal:
        return sum((d.amount for d in self.discounts), Decimal(0))


def _check_percent(name: str, value: Decimal) -> None:
    if not Decimal(0) <= value <= HUNDRED:
        raise Invalid("INVALID_DISCOUNT", f"{name} must be between 0 and 100", field=name)


def price_quote(
    *,
    unit_price: Decimal,
    pax: int,
    departure_start: date,
    today: date,
    early_bird: EarlyBirdRule | None,
    rep_percent: Decimal = Decimal(0),
    rep_amount: Decimal = Decimal(0),
    max_rep_percent: Decimal = Decimal(15),
) -> Pricing:
    """The priced quote, or ``Invalid`` for a discount out of bounds."""
    if unit_price < 0 or pax < 1:
        raise Invalid("INVALID_PRICE", "a quote needs a price of 0 or more and at least 1 pax")
    _check_percent("discount_percent", rep_percent)
    if rep_amount < 0:
        raise Invalid("INVALID_DISCOUNT", "a discount amount cannot be negative")
    unit_price = cents(unit_price)
    subtotal = cents(unit_price * pax)
    lines: list[DiscountLine] = []
    left = subtotal  # what discounts may still take
    if early_bird is not None and early_bird.applies(departure_start, today):
        _check_percent("early_bird_percent", early_bird.percent)
        amount = min(percent_of(subtotal, early_bird.percent), left)
        lines.append(
            DiscountLine(
                EARLY_BIRD,
                f"Early bird {early_bird.percent.normalize():f}% "
                f"(more than {early_bird.min_days_ahead} days ahead)",
                amount,
            )
        )
        left -= amount
    rep = percent_of(subtotal, rep_percent) + cents(rep_amount)
    if rep > percent_of(subtotal, max_rep_percent):
        raise Invalid(
            "REP_DISCOUNT_TOO_LARGE",
            f"a rep's discount is at most {max_rep_percent.normalize():f}% of the price",
            max_percent=str(max_rep_percent),
            requested=str(rep),
        )
    if rep > 0:
        lines.append(DiscountLine(REP_DISCOUNT, "Discount", min(rep, left)))
    discounts = tuple(line for line in lines if line.amount > 0)
    total = subtotal - sum((d.amount for d in discounts), Decimal(0))
    return Pricing(unit_price, pax, subtotal, discounts, total)


def valid_until(now: datetime, valid_days: int) -> datetime:
    """Quotes hold their price ``valid_days`` from when they are sent."""
    return now + timedelta(days=valid_days)
