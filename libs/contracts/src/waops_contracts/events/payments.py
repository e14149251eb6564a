"""Payment events published by the core: links sent, money received, balances due.

Amounts are decimal strings in the currency's major unit (``"435.00"``). Each event carries
the booking's reference and the customer's phone and name, so the notifier can message the
customer (a receipt, a reminder) from the event alone.
"""

from __future__ import annotations

from waops_contracts.registry import Event, event

_BOOKING = {
    "booking_id": "7f3e8a2b-0c4d-4e6f-9a7b-8c9d0e1f2a3b",
    "booking_reference": "EBC-2501234",
    "tour_code": "EBC",
    "tour_name": "Everest Base Camp Trek",
    "departure_start": "2025-10-05",
    "departure_end": "2025-10-18",
    "pax": 3,
    "customer_phone": "+9779841234567",
    "customer_name": "Asha",
    "currency": "USD",
}


class PaymentEvent(Event):
    """The booking a payment event is about, and whom to tell."""

    booking_id: str
    booking_reference: str
    tour_code: str | None = None
    tour_name: str | None = None
    departure_start: str | None = None
    departure_end: str | None = None
    pax: int | None = None
    customer_phone: str
    customer_name: str | None = None
    currency: str


@event(
    "waops.payment.link_created.v1",
    example={
        **_BOOKING,
        "link_id": "9b5a0c4d-2e6f-4a8b-9c0d-1e2f3a4b5c6d",
        "kind": "DEPOSIT",
        "amount": "1305.00",
        "url": "http://127.0.0.1:8090/_sandbox/pay/9b5a0c4d-2e6f-4a8b-9c0d-1e2f3a4b5c6d",
        "expires_at": "2025-01-11T09:30:00+00:00",
    },
)
class PaymentLinkCreated(PaymentEvent):
    link_id: str
    kind: str  # DEPOSIT | FULL | BALANCE
    amount: str
    url: str
    expires_at: str


_ACCOUNT = {
    "total": "4350.00",
    "paid_total": "1305.00",
    "balance": "3045.00",
    "overpaid": "0.00",
    "due_date": "2025-09-05",
    "status": "DEPOSIT_PAID",
}


@event(
    "waops.payment.received.v1",
    example={
        **_BOOKING,
        **_ACCOUNT,
        "payment_id": "0c6b1d5e-3f7a-4b9c-8d0e-2f3a4b5c6d7e",
        "gateway_payment_id": "pay_3d9f1c2b7a",
        "link_id": "9b5a0c4d-2e6f-4a8b-9c0d-1e2f3a4b5c6d",
        "kind": "DEPOSIT",
        "amount": "1305.00",
        "paid_at": "2025-01-10T10:02:00+00:00",
        "booking_state": "CONFIRMED",
    },
)
class PaymentReceived(PaymentEvent):
    payment_id: str
    gateway_payment_id: str
    link_id: str | None = None
    kind: str | None = None
    amount: str
    paid_at: str
    total: str
    paid_total: str
    balance: str
    overpaid: str = "0.00"
    due_date: str | None = None  # when the balance is due (None once nothing is)
    status: str  # UNPAID | DEPOSIT_PAID | FULL_PAID
    booking_state: str | None = None


@event(
    "waops.payment.fully_paid.v1",
    example={
        **_BOOKING,
        "total": "4350.00",
        "paid_total": "4350.00",
        "overpaid": "0.00",
        "paid_at": "2025-08-30T08:00:00+00:00",
    },
)
class PaymentFullyPaid(PaymentEvent):
    total: str
    paid_total: str
    overpaid: str = "0.00"
    paid_at: str


@event(
    "waops.payment.balance_due.v1",
    example={**_BOOKING, **_ACCOUNT},
)
class PaymentBalanceDue(PaymentEvent):
    """The balance falls due soon (sent once per due date)."""

    total: str
    paid_total: str
    balance: str
    overpaid: str = "0.00"
    due_date: str
    status: str
