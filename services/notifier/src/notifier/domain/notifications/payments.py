"""Payments: the link to pay, the receipt, the reminder of a balance due.

``payment.received`` is the one receipt: it says what was paid and what remains (the
balance and its due date), or that the booking is now fully paid, or — money that arrived
for a booking already cancelled — that the team will sort it out (and operations is told).
``payment.fully_paid`` and ``booking.confirmed`` always come with that receipt (the same
payment, the same transaction in the core), so they send nothing of their own.
"""

from __future__ import annotations

from typing import Any

from waops_contracts.events import PaymentBalanceDue, PaymentLinkCreated, PaymentReceived
from waops_contracts.events.payments import PaymentEvent

from notifier.domain import formatting as fmt
from notifier.domain.formatting import Style
from notifier.domain.notices import Notice, Office, Person, ref, uses

LINK = uses("payment.link")
RECEIVED = uses("payment.received")
RECEIVED_FULL = uses("payment.received_full")
RECEIVED_CANCELLED = uses("payment.received_cancelled")
NEEDS_ATTENTION = uses("payment.needs_attention")  # operations: refund or rebook
BALANCE_DUE = uses("payment.balance_due")

FULL_PAID = "FULL_PAID"
CANCELLED = "CANCELLED"


def payment_variables(payment: PaymentEvent) -> dict[str, Any]:
    dates = fmt.dates(payment.departure_start, payment.departure_end)
    return {
        "reference": payment.booking_reference,
        "customer_name": payment.customer_name or "",
        "no_name": not payment.customer_name,
        "customer": fmt.contact(payment.customer_name, payment.customer_phone),
        "trip": ", ".join(filter(None, (payment.tour_name or payment.tour_code, dates))),
        "start_date": fmt.day(payment.departure_start),
    }


def _to_customer(payment: PaymentEvent, template: str, variables: dict[str, Any]) -> Notice:
    return Notice(
        Person(payment.customer_phone, payment.customer_name),
        template,
        variables,
        ref("BOOKING", payment.booking_id, payment.booking_reference),
    )


def link_variables(link: PaymentLinkCreated, style: Style) -> dict[str, Any]:
    return {
        **payment_variables(link),
        "kind": fmt.label(link.kind),
        "amount": fmt.money(link.amount, link.currency),
        "expires": fmt.moment(link.expires_at, style.timezone),
        "url": link.url,
    }


def link_created(link: PaymentLinkCreated, style: Style) -> list[Notice]:
    return [_to_customer(link, LINK, link_variables(link, style))]


def received_variables(paid: PaymentReceived) -> dict[str, Any]:
    currency = paid.currency
    overpaid = fmt.amount(paid.overpaid)
    return {
        **payment_variables(paid),
        "amount": fmt.money(paid.amount, currency),
        "kind": fmt.label(paid.kind),
        "paid_total": fmt.money(paid.paid_total, currency),
        "total": fmt.money(paid.total, currency),
        "balance": fmt.money(paid.balance, currency),
        "due_date": fmt.day(paid.due_date),
        "overpaid": fmt.money(overpaid, currency) if overpaid else "",
        "confirmed": paid.booking_state in ("CONFIRMED", "ACTIVE", "COMPLETED"),
        "booking_state": fmt.label(paid.booking_state),
    }


def payment_received(paid: PaymentReceived, _: Style) -> list[Notice]:
    variables = received_variables(paid)
    if paid.booking_state == CANCELLED:
        return [
            _to_customer(paid, RECEIVED_CANCELLED, variables),
            Notice(
                Office(),
                NEEDS_ATTENTION,
                variables,
                ref("BOOKING", paid.booking_id, paid.booking_reference),
            ),
        ]
    template = RECEIVED_FULL if paid.status == FULL_PAID else RECEIVED
    return [_to_customer(paid, template, variables)]


def balance_due(due: PaymentBalanceDue, _: Style) -> list[Notice]:
    variables = {
        **payment_variables(due),
        "balance": fmt.money(due.balance, due.currency),
        "paid_total": fmt.money(due.paid_total, due.currency),
        "total": fmt.money(due.total, due.currency),
        "due_date": fmt.day(due.due_date),
    }
    return [_to_customer(due, BALANCE_DUE, variables)]
