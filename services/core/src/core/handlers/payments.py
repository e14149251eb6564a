"""Payments: a booking's account, payment links, the gateway's webhook, balance reminders.

Lock order (with the bookings' own): the booking's account row first, then the departure
and the booking (taken by ``mark_payment_pending`` / ``confirm_paid_booking``). Two payments
for one booking are applied one after the other; one payment delivered twice is recorded
once (the gateway's payment id is unique).
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from waops_contracts.events import (
    PaymentBalanceDue,
    PaymentFullyPaid,
    PaymentLinkCreated,
    PaymentReceived,
)
from waops_messaging import EventWriter

from core.adapters import bookings as booking_rows
from core.adapters import payments
from core.adapters.payments import AccountRow, LinkRow
from core.domain import bookings as booking_rules
from core.domain.errors import Invalid, NotFound, RuleViolation
from core.domain.payments import (
    FULL_PAID,
    Account,
    balance_due_date,
    reminders_due_by,
)
from core.handlers.bookings import booking_view, confirm_paid_booking, mark_payment_pending
from core.handlers.context import UseCase
from core.handlers.sweeps import Sweep
from core.settings import CoreSettings

# A balance may still be settled after the trip (COMPLETED); a link for a settled account is
# refused on its own (nothing left to pay).
PAYABLE = (
    booking_rules.HELD,
    booking_rules.PAYMENT_PENDING,
    booking_rules.CONFIRMED,
    booking_rules.ACTIVE,
    booking_rules.COMPLETED,
)
AWAITING_DEPOSIT = (booking_rules.HELD, booking_rules.PAYMENT_PENDING)
REMINDED = (booking_rules.CONFIRMED,)  # a balance is chased once the booking is confirmed
REMINDER_BATCH = 100


def booking_fields(booking: dict[str, Any], currency: str) -> dict[str, Any]:
    """What every payment event says about the booking and whom to tell."""
    return {
        "booking_id": booking["id"],
        "booking_reference": booking["reference"],
        "tour_code": booking["tour_code"],
        "tour_name": booking["tour_name"],
        "departure_start": booking["start_date"],
        "departure_end": booking["end_date"],
        "pax": booking["pax"],
        "customer_phone": booking["customer_phone"],
        "customer_name": booking["customer_name"],
        "currency": currency,
    }


def account_fields(row: AccountRow, account: Account) -> dict[str, Any]:
    return {
        "total": str(account.total),
        "paid_total": str(account.paid),
        "balance": str(account.balance),
        "overpaid": str(account.overpaid),
        "due_date": row.due_date.isoformat() if account.balance > 0 else None,
        "status": account.status,
    }


async def _booking(conn: AsyncConnection, tenant_id: str, raw: str) -> dict[str, Any]:
    """A booking by id or reference, as ``booking_view`` shows it; 404 otherwise."""
    found = await booking_rows.find_booking(conn, tenant_id, raw)
    view = await booking_view(conn, tenant_id, found.id) if found else None
    if view is None:
        raise NotFound("BOOKING_NOT_FOUND", "no such booking", id=raw)
    return view


async def new_account(
    conn: AsyncConnection,
    tenant_id: str,
    booking: dict[str, Any],
    settings: CoreSettings,
    *,
    quote: dict[str, Any] | None = None,
) -> AccountRow:
    """The account a booking opens with: its total (the quoted one when the lead converted
    on a valid quote, else the booking's price), the tour's deposit on that total, and the
    balance due date."""
    if quote is None:
        total, deposit = Decimal(booking["total_amount"]), Decimal(booking["deposit_amount"])
    else:
        total = Decimal(quote["total"])
        rule = await payments.tour_deposit_rule(conn, booking["tour_id"])
        deposit = rule.due(total, booking["pax"])
    deposit = min(deposit, total)
    due = balance_due_date(
        date.fromisoformat(booking["start_date"]),
        settings.balance_due_days,
        datetime.fromisoformat(booking["created_at"]).date(),
    )
    return AccountRow(
        booking_id=booking["id"],
        tenant_id=tenant_id,
        quote_id=quote["id"] if quote else None,
        total=total,
        deposit=deposit,
        paid=Decimal("0.00"),
        currency=quote["currency"] if quote else booking["currency"],
        status=Account(total, deposit, Decimal(0)).status,
        due_date=due,
        reminded_for=None,
    )


async def open_account(
    call: UseCase, booking: dict[str, Any], *, quote: dict[str, Any] | None = None
) -> AccountRow:
    """The booking's account, opened if it has none, row-locked until commit."""
    existing = await payments.find_account(call.conn, booking["id"], lock=True)
    if existing is not None:
        return existing
    settings = call.settings
    row = await new_account(call.conn, call.tenant_id, booking, settings, quote=quote)
    await payments.insert_account(call.conn, row, call.now)
    locked = await payments.find_account(call.conn, booking["id"], lock=True)
    assert locked is not None
    return locked


def _account_view(
    booking: dict[str, Any],
    row: AccountRow,
    links: list[LinkRow],
    paid: list[dict[str, Any]],
) -> dict[str, Any]:
    account = row.account
    return {
        "booking_id": booking["id"],
        "booking_reference": booking["reference"],
        "booking_state": booking["state"],
        "quote_id": row.quote_id,
        "currency": row.currency,
        "total": str(account.total),
        "deposit": str(account.deposit),
        "paid": str(account.paid),
        "balance": str(account.balance),
        "overpaid": str(account.overpaid),
        "due_date": row.due_date.isoformat(),
        "status": account.status,
        "payments": paid,
        "links": [link.as_json() for link in links],
    }


async def account_of_booking(call: UseCase, raw_booking: str) -> dict[str, Any]:
    """What the booking owes and has paid (an account not opened yet shows as unpaid)."""
    booking = await _booking(call.conn, call.tenant_id, raw_booking)
    row = await payments.find_account(call.conn, booking["id"])
    if row is None:
        row = await new_account(call.conn, call.tenant_id, booking, call.settings)
    return _account_view(
        booking,
        row,
        await payments.links_of(call.conn, booking["id"]),
        await payments.payments_of(call.conn, booking["id"]),
    )


async def create_payment_link(call: UseCase, raw_booking: str, kind: str) -> dict[str, Any]:
    settings = call.settings
    booking = await _booking(call.conn, call.tenant_id, raw_booking)
    if booking["state"] not in PAYABLE:
        raise RuleViolation(
            "BOOKING_NOT_PAYABLE",
            f"a booking in state {booking['state']} takes no payment",
            state=booking["state"],
        )
    row = await open_account(call, booking)
    amount = row.account.link_amount(kind)
    if booking["state"] == booking_rules.HELD:
        booking = await mark_payment_pending(call, booking["id"])
    link_id = str(uuid.uuid4())
    expires_at = call.now + timedelta(hours=settings.payment_link_hours)
    hold = booking.get("hold") or {}
    if booking["state"] in AWAITING_DEPOSIT and hold.get("expires_at"):
        # Paying after the hold lapsed would pay for seats no longer held.
        expires_at = min(expires_at, datetime.fromisoformat(hold["expires_at"]))
        if expires_at <= call.now:  # lapsed, not yet swept: its seats are about to go
            raise RuleViolation("HOLD_EXPIRED", "the booking's hold has expired")
    query = urlencode(
        {
            "amount": str(amount),
            "currency": row.currency,
            "booking": booking["reference"],
            "tenant": call.tenant_id,
        }
    )
    link = LinkRow(
        id=link_id,
        tenant_id=call.tenant_id,
        booking_id=booking["id"],
        kind=kind,
        amount=amount,
        currency=row.currency,
        url=f"{settings.payment_gateway_url.rstrip('/')}/{link_id}?{query}",
        expires_at=expires_at,
        created_at=call.now,
    )
    await payments.insert_link(call.conn, link, call.actor.id)
    await call.emit(
        PaymentLinkCreated(
            **booking_fields(booking, row.currency),
            link_id=link_id,
            kind=kind,
            amount=str(amount),
            url=link.url,
            expires_at=expires_at.isoformat(),
        ),
        subject=f"BOOKING/{booking['id']}",
    )
    return {**link.as_json(), "booking_reference": booking["reference"]}


async def receive_payment(
    call: UseCase,
    *,
    event_id: str,
    gateway_payment_id: str,
    link_id: str,
    amount: Decimal,
    currency: str,
    paid_at: datetime,
    metadata_tenant: str | None,
) -> tuple[dict[str, Any], bool]:
    """Apply a payment the gateway reports: (the payment, whether it was new).

    A payment already recorded (the webhook delivered again) changes nothing and answers
    the first record. Reaching the deposit confirms the booking; reaching the total makes
    the account FULL_PAID; money beyond the total is kept as overpaid."""
    try:
        link = await payments.find_link(call.conn, str(uuid.UUID(link_id)))
    except ValueError:
        link = None
    if link is None or (metadata_tenant is not None and metadata_tenant != link.tenant_id):
        raise Invalid("UNKNOWN_PAYMENT_LINK", "no such payment link", link_id=link_id)
    call = replace(
        call, tenant_id=link.tenant_id
    )  # the webhook is not tenant-scoped: the link says whose
    row = await payments.find_account(call.conn, link.booking_id, lock=True)
    assert row is not None  # a link is only issued on an opened account
    if currency.upper() != row.currency.upper():
        raise Invalid(
            "CURRENCY_MISMATCH",
            f"the booking is paid in {row.currency}, not {currency}",
            expected=row.currency,
        )
    payment_id = str(uuid.uuid4())
    new = await payments.insert_payment(
        call.conn,
        payment_id=payment_id,
        tenant_id=link.tenant_id,
        booking_id=link.booking_id,
        link_id=link.id,
        gateway_payment_id=gateway_payment_id,
        gateway_event_id=event_id,
        amount=amount,
        currency=row.currency,
        paid_at=paid_at,
        now=call.now,
    )
    recorded = await payments.payment_by_gateway_id(call.conn, gateway_payment_id)
    assert recorded is not None
    if not new:
        return recorded, False
    before = row.account
    after = before.receive(amount)
    await payments.record_paid(call.conn, link.booking_id, after, call.now)
    booking = await booking_view(call.conn, link.tenant_id, link.booking_id)
    assert booking is not None
    if after.deposit_reached and booking["state"] in AWAITING_DEPOSIT:
        try:
            booking = await confirm_paid_booking(call, link.booking_id)
        except RuleViolation as refusal:
            # Cancelled meanwhile (its hold expired): the money is still recorded, and the
            # event's booking_state tells operations a refund or a rebooking is due.
            if refusal.code != "BOOKING_INVALID_TRANSITION":
                raise
            booking = await booking_view(call.conn, link.tenant_id, link.booking_id)
            assert booking is not None
    fields = booking_fields(booking, row.currency)
    await call.emit(
        PaymentReceived(
            **fields,
            **account_fields(row, after),
            payment_id=recorded["id"],
            gateway_payment_id=gateway_payment_id,
            link_id=link.id,
            kind=link.kind,
            amount=str(amount),
            paid_at=paid_at.isoformat(),
            booking_state=booking["state"],
        ),
        subject=f"BOOKING/{link.booking_id}",
    )
    if after.status == FULL_PAID and before.status != FULL_PAID:
        await call.emit(
            PaymentFullyPaid(
                **fields,
                total=str(after.total),
                paid_total=str(after.paid),
                overpaid=str(after.overpaid),
                paid_at=paid_at.isoformat(),
            ),
            subject=f"BOOKING/{link.booking_id}",
        )
    return recorded, True


def balance_reminders(settings: CoreSettings) -> Sweep:
    """The ``payments.balance_reminders`` sweep: one ``payment.balance_due`` per confirmed
    booking and due date, once the due date is WAOPS_CORE_BALANCE_REMINDER_DAYS away.

    The claim (``FOR UPDATE SKIP LOCKED``) and the ``reminded_for`` mark commit with the
    staged event, so a replica never reminds what another one is reminding or did."""

    async def sweep(engine: AsyncEngine, writer: EventWriter, now: datetime) -> int:
        due_by = reminders_due_by(now.date(), settings.balance_reminder_days)
        handled = 0
        while True:
            async with engine.begin() as conn:
                claimed = await payments.claim_due_reminders(conn, due_by, REMINDED, REMINDER_BATCH)
                for row in claimed:
                    booking = await booking_view(conn, row.tenant_id, row.booking_id)
                    assert booking is not None
                    await payments.mark_reminded(conn, row.booking_id, row.due_date)
                    subject = f"BOOKING/{row.booking_id}"
                    fields = account_fields(row, row.account)
                    await writer.write(
                        conn,
                        PaymentBalanceDue(
                            **booking_fields(booking, row.currency),
                            **{**fields, "due_date": row.due_date.isoformat()},
                        ),
                        tenant_id=row.tenant_id,
                        subject=subject,
                        partition_key=subject,
                    )
            handled += len(claimed)
            if len(claimed) < REMINDER_BATCH:
                return handled

    return sweep
