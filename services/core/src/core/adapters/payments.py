"""Booking accounts, payment links and payments (tables of migration 0007)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from core.domain.catalogue import DepositRule
from core.domain.payments import FULL_PAID, Account


@dataclass(frozen=True)
class AccountRow:
    booking_id: str
    tenant_id: str
    quote_id: str | None
    total: Decimal
    deposit: Decimal
    paid: Decimal
    currency: str
    status: str
    due_date: date
    reminded_for: date | None

    @property
    def account(self) -> Account:
        return Account(self.total, self.deposit, self.paid)


def _account(r: Any) -> AccountRow:
    return AccountRow(
        booking_id=str(r.booking_id),
        tenant_id=r.tenant_id,
        quote_id=str(r.quote_id) if r.quote_id else None,
        total=r.total,
        deposit=r.deposit,
        paid=r.paid,
        currency=r.currency,
        status=r.status,
        due_date=r.due_date,
        reminded_for=r.reminded_for,
    )


async def tour_deposit_rule(conn: AsyncConnection, tour_id: str) -> DepositRule:
    row = (
        await conn.execute(
            text("SELECT deposit_kind, deposit_value FROM tours WHERE id = :tour_id"),
            {"tour_id": tour_id},
        )
    ).one()
    return DepositRule(row.deposit_kind, row.deposit_value)


async def insert_account(conn: AsyncConnection, row: AccountRow, now: datetime) -> None:
    """Open the booking's account unless it has one (the first writer wins)."""
    await conn.execute(
        text(
            "INSERT INTO booking_accounts (booking_id, tenant_id, quote_id, total, deposit, paid,"
            " currency, status, due_date, created_at, updated_at) VALUES (:booking_id, :tenant_id,"
            " :quote_id, :total, :deposit, :paid, :currency, :status, :due_date, :now, :now)"
            " ON CONFLICT (booking_id) DO NOTHING"
        ),
        {
            "booking_id": row.booking_id,
            "tenant_id": row.tenant_id,
            "quote_id": row.quote_id,
            "total": row.total,
            "deposit": row.deposit,
            "paid": row.paid,
            "currency": row.currency,
            "status": row.status,
            "due_date": row.due_date,
            "now": now,
        },
    )


async def find_account(
    conn: AsyncConnection, booking_id: str, *, lock: bool = False
) -> AccountRow | None:
    row = (
        await conn.execute(
            text(
                "SELECT * FROM booking_accounts WHERE booking_id = CAST(:booking_id AS uuid)"
                + (" FOR UPDATE" if lock else "")
            ),
            {"booking_id": booking_id},
        )
    ).first()
    return _account(row) if row else None


async def record_paid(
    conn: AsyncConnection, booking_id: str, account: Account, now: datetime
) -> None:
    await conn.execute(
        text(
            "UPDATE booking_accounts SET paid = :paid, status = :status, updated_at = :now,"
            " fully_paid_at = CASE WHEN :status = :full THEN COALESCE(fully_paid_at, :now) END"
            " WHERE booking_id = CAST(:booking_id AS uuid)"
        ),
        {
            "paid": account.paid,
            "status": account.status,
            "full": FULL_PAID,
            "now": now,
            "booking_id": booking_id,
        },
    )


# --- links ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class LinkRow:
    id: str
    tenant_id: str
    booking_id: str
    kind: str
    amount: Decimal
    currency: str
    url: str
    expires_at: datetime
    created_at: datetime

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "booking_id": self.booking_id,
            "kind": self.kind,
            "amount": str(self.amount),
            "currency": self.currency,
            "url": self.url,
            "expires_at": self.expires_at.isoformat(),
            "created_at": self.created_at.isoformat(),
        }


def _link(r: Any) -> LinkRow:
    return LinkRow(
        str(r.id),
        r.tenant_id,
        str(r.booking_id),
        r.kind,
        r.amount,
        r.currency,
        r.url,
        r.expires_at,
        r.created_at,
    )


async def insert_link(conn: AsyncConnection, link: LinkRow, created_by: str | None) -> None:
    await conn.execute(
        text(
            "INSERT INTO payment_links (id, tenant_id, booking_id, kind, amount, currency, url,"
            " expires_at, created_by, created_at) VALUES (:link_id, :tenant_id, :booking_id, :kind,"
            " :amount, :currency, :url, :expires_at, :created_by, :created_at)"
        ),
        {
            "link_id": link.id,
            "tenant_id": link.tenant_id,
            "booking_id": link.booking_id,
            "kind": link.kind,
            "amount": link.amount,
            "currency": link.currency,
            "url": link.url,
            "expires_at": link.expires_at,
            "created_by": created_by,
            "created_at": link.created_at,
        },
    )


async def find_link(conn: AsyncConnection, link_id: str) -> LinkRow | None:
    """Any tenant's link: the gateway's webhook names a link, not a tenant."""
    row = (
        await conn.execute(
            text("SELECT * FROM payment_links WHERE id = CAST(:link_id AS uuid)"),
            {"link_id": link_id},
        )
    ).first()
    return _link(row) if row else None


async def links_of(conn: AsyncConnection, booking_id: str) -> list[LinkRow]:
    rows = await conn.execute(
        text(
            "SELECT * FROM payment_links WHERE booking_id = CAST(:booking_id AS uuid)"
            " ORDER BY created_at, id"
        ),
        {"booking_id": booking_id},
    )
    return [_link(r) for r in rows]


# --- payments ------------------------------------------------------------------------------


def _payment(r: Any) -> dict[str, Any]:
    return {
        "id": str(r.id),
        "booking_id": str(r.booking_id),
        "link_id": str(r.link_id) if r.link_id else None,
        "gateway_payment_id": r.gateway_payment_id,
        "amount": str(r.amount),
        "currency": r.currency,
        "paid_at": r.paid_at.isoformat(),
        "received_at": r.received_at.isoformat(),
    }


async def insert_payment(
    conn: AsyncConnection,
    *,
    payment_id: str,
    tenant_id: str,
    booking_id: str,
    link_id: str | None,
    gateway_payment_id: str,
    gateway_event_id: str,
    amount: Decimal,
    currency: str,
    paid_at: datetime,
    now: datetime,
) -> bool:
    """Record the payment; False if the gateway's payment id is already recorded.

    A concurrent delivery of the same payment waits on the unique index until the first
    commits, then finds it: one row per gateway payment, however often it is delivered."""
    result = await conn.execute(
        text(
            "INSERT INTO payments (id, tenant_id, booking_id, link_id, gateway_payment_id,"
            " gateway_event_id, amount, currency, paid_at, received_at) VALUES (:payment_id,"
            " :tenant_id, :booking_id, :link_id, :gateway_payment_id, :gateway_event_id, :amount,"
            " :currency, :paid_at, :now) ON CONFLICT (gateway_payment_id) DO NOTHING RETURNING id"
        ),
        {
            "payment_id": payment_id,
            "tenant_id": tenant_id,
            "booking_id": booking_id,
            "link_id": link_id,
            "gateway_payment_id": gateway_payment_id,
            "gateway_event_id": gateway_event_id,
            "amount": amount,
            "currency": currency,
            "paid_at": paid_at,
            "now": now,
        },
    )
    return result.first() is not None


async def payment_by_gateway_id(
    conn: AsyncConnection, gateway_payment_id: str
) -> dict[str, Any] | None:
    row = (
        await conn.execute(
            text("SELECT * FROM payments WHERE gateway_payment_id = :gateway_payment_id"),
            {"gateway_payment_id": gateway_payment_id},
        )
    ).first()
    return _payment(row) if row else None


async def payments_of(conn: AsyncConnection, booking_id: str) -> list[dict[str, Any]]:
    rows = await conn.execute(
        text(
            "SELECT * FROM payments WHERE booking_id = CAST(:booking_id AS uuid)"
            " ORDER BY received_at, id"
        ),
        {"booking_id": booking_id},
    )
    return [_payment(r) for r in rows]


# --- balance reminders ---------------------------------------------------------------------


async def claim_due_reminders(
    conn: AsyncConnection, due_by: date, states: tuple[str, ...], limit: int
) -> list[AccountRow]:
    """Accounts with a balance due by ``due_by`` not yet reminded for that due date, locked;
    rows another replica holds are skipped (it is reminding them)."""
    rows = await conn.execute(
        text(
            "SELECT a.* FROM booking_accounts a JOIN bookings b ON b.id = a.booking_id"
            " WHERE a.status <> :full AND a.due_date <= :due_by"
            " AND a.reminded_for IS DISTINCT FROM a.due_date AND b.state = ANY(:states)"
            " ORDER BY a.due_date, a.booking_id LIMIT :limit FOR UPDATE OF a SKIP LOCKED"
        ),
        {"full": FULL_PAID, "due_by": due_by, "states": list(states), "limit": limit},
    )
    return [_account(r) for r in rows]


async def mark_reminded(conn: AsyncConnection, booking_id: str, due_date: date) -> None:
    await conn.execute(
        text(
            "UPDATE booking_accounts SET reminded_for = :due_date"
            " WHERE booking_id = CAST(:booking_id AS uuid)"
        ),
        {"due_date": due_date, "booking_id": booking_id},
    )
