"""A booking's account: what is owed, what is paid, and what a payment link asks for.

- The deposit follows the tour's rule (``catalogue.DepositRule``: a percent of the total,
  or a fixed amount per person; 30% by default), in cents; paying it confirms the booking.
- The balance is due ``balance_due_days`` before the departure starts (a booking made later
  than that owes it at once: the due date is the booking day).
- Status: UNPAID until the deposit is reached, DEPOSIT_PAID until the total is, then
  FULL_PAID. Money beyond the total is kept as ``overpaid`` (a refund is a person's call).
- Links: DEPOSIT asks for what is missing of the deposit, FULL for the whole total (only
  before anything is paid), BALANCE for what is left. A link for nothing is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from core.domain.errors import RuleViolation
from core.domain.quotes import cents

UNPAID = "UNPAID"
DEPOSIT_PAID = "DEPOSIT_PAID"
FULL_PAID = "FULL_PAID"
ACCOUNT_STATUSES = (UNPAID, DEPOSIT_PAID, FULL_PAID)

DEPOSIT = "DEPOSIT"
FULL = "FULL"
BALANCE = "BALANCE"
LINK_KINDS = (DEPOSIT, FULL, BALANCE)

ZERO = Decimal(0)


def balance_due_date(departure_start: date, days_before: int, booked_on: date) -> date:
    return max(departure_start - timedelta(days=days_before), booked_on)


@dataclass(frozen=True)
class Account:
    total: Decimal
    deposit: Decimal
    paid: Decimal

    @property
    def balance(self) -> Decimal:
        return cents(max(self.total - self.paid, ZERO))

    @property
    def overpaid(self) -> Decimal:
        return cents(max(self.paid - self.total, ZERO))

    @property
    def status(self) -> str:
        if self.paid >= self.total:
            return FULL_PAID
        if self.paid >= self.deposit:
            return DEPOSIT_PAID
        return UNPAID

    @property
    def deposit_reached(self) -> bool:
        return self.paid >= self.deposit

    def receive(self, amount: Decimal) -> Account:
        if amount <= 0:
            raise ValueError("a payment is a positive amount")
        return Account(self.total, self.deposit, cents(self.paid + amount))

    def link_amount(self, kind: str) -> Decimal:
        """What a new link of ``kind`` asks for, or ``PAYMENT_NOT_DUE`` if nothing is."""
        if kind == DEPOSIT:
            amount = self.deposit - self.paid
            why = "the deposit is already paid"
        elif kind == FULL:
            if self.paid > 0:
                raise RuleViolation(
                    "PAYMENT_LINK_KIND_NOT_ALLOWED",
                    "part of this booking is paid: ask for the BALANCE instead",
                    kind=kind,
                )
            amount, why = self.total, "nothing is owed"
        elif kind == BALANCE:
            amount, why = self.balance, "the booking is fully paid"
        else:
            raise ValueError(f"unknown payment link kind {kind}")
        if amount <= 0:
            raise RuleViolation("PAYMENT_NOT_DUE", why, kind=kind)
        return cents(amount)


def reminders_due_by(today: date, reminder_days: int) -> date:
    """Balances due on or before this day get their reminder now (once per due date)."""
    return today + timedelta(days=reminder_days)
