"""Quotes, and the departure facts a quote is priced from."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from core.domain.quotes import Pricing


@dataclass(frozen=True)
class PricedDeparture:
    id: str
    tour_id: str
    tour_code: str
    tour_name: str
    start_date: date
    end_date: date
    status: str
    price_per_person: Decimal  # the departure's override, else the tour's
    currency: str
    early_bird_percent: Decimal | None
    early_bird_days: int | None


async def priced_departure(
    conn: AsyncConnection, tenant_id: str, departure_id: str
) -> PricedDeparture | None:
    row = (
        await conn.execute(
            text(
                "SELECT d.id, d.tour_id, t.code, t.name, d.start_date, d.end_date, d.status,"
                " COALESCE(d.price_per_person, t.price_per_person) AS price, t.currency,"
                " t.early_bird_percent, t.early_bird_days"
                " FROM departures d JOIN tours t ON t.id = d.tour_id"
                " WHERE t.tenant_id = :tenant_id AND d.id = :departure_id"
            ),
            {"tenant_id": tenant_id, "departure_id": departure_id},
        )
    ).first()
    if row is None:
        return None
    return PricedDeparture(
        id=str(row.id),
        tour_id=str(row.tour_id),
        tour_code=row.code,
        tour_name=row.name,
        start_date=row.start_date,
        end_date=row.end_date,
        status=row.status,
        price_per_person=row.price,
        currency=row.currency,
        early_bird_percent=row.early_bird_percent,
        early_bird_days=row.early_bird_days,
    )


def discount_lines(pricing: Pricing) -> list[dict[str, str]]:
    return [
        {"kind": d.kind, "description": d.description, "amount": str(d.amount)}
        for d in pricing.discounts
    ]


async def insert_quote(
    conn: AsyncConnection,
    *,
    quote_id: str,
    tenant_id: str,
    lead_id: str,
    departure: PricedDeparture,
    pricing: Pricing,
    valid_until: datetime,
    sent_by: str | None,
    now: datetime,
) -> None:
    await conn.execute(
        text(
            "INSERT INTO quotes (id, tenant_id, lead_id, departure_id, pax, price_per_person,"
            " subtotal, discounts, discount_total, total, currency, valid_until, sent_by,"
            " created_at) VALUES (:quote_id, :tenant_id, :lead_id, :departure_id, :pax,"
            " :price_per_person, :subtotal, CAST(:discounts AS jsonb), :discount_total, :total,"
            " :currency, :valid_until, :sent_by, :now)"
        ),
        {
            "quote_id": quote_id,
            "tenant_id": tenant_id,
            "lead_id": lead_id,
            "departure_id": departure.id,
            "pax": pricing.pax,
            "price_per_person": pricing.unit_price,
            "subtotal": pricing.subtotal,
            "discounts": json.dumps(discount_lines(pricing)),
            "discount_total": pricing.discount_total,
            "total": pricing.total,
            "currency": departure.currency,
            "valid_until": valid_until,
            "sent_by": sent_by,
            "now": now,
        },
    )


_SELECT = (
    "SELECT q.*, d.start_date, d.end_date, t.code AS tour_code, t.name AS tour_name"
    " FROM quotes q JOIN departures d ON d.id = q.departure_id JOIN tours t ON t.id = d.tour_id"
)


def _view(row: Any) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "lead_id": str(row.lead_id),
        "departure_id": str(row.departure_id),
        "tour_code": row.tour_code,
        "tour_name": row.tour_name,
        "departure_start": row.start_date.isoformat(),
        "departure_end": row.end_date.isoformat(),
        "pax": row.pax,
        "price_per_person": str(row.price_per_person),
        "subtotal": str(row.subtotal),
        "discounts": list(row.discounts),
        "discount_total": str(row.discount_total),
        "total": str(row.total),
        "currency": row.currency,
        "valid_until": row.valid_until.isoformat(),
        "sent_by": row.sent_by,
        "created_at": row.created_at.isoformat(),
    }


async def quote_view(conn: AsyncConnection, tenant_id: str, quote_id: str) -> dict[str, Any] | None:
    row = (
        await conn.execute(
            text(f"{_SELECT} WHERE q.tenant_id = :tenant_id AND q.id = :quote_id"),
            {"tenant_id": tenant_id, "quote_id": quote_id},
        )
    ).first()
    return _view(row) if row else None


async def quotes_of_lead(
    conn: AsyncConnection, tenant_id: str, lead_id: str
) -> list[dict[str, Any]]:
    rows = await conn.execute(
        text(
            f"{_SELECT} WHERE q.tenant_id = :tenant_id AND q.lead_id = :lead_id"
            " ORDER BY q.created_at DESC, q.id"
        ),
        {"tenant_id": tenant_id, "lead_id": lead_id},
    )
    return [_view(r) for r in rows]


async def latest_valid_quote(
    conn: AsyncConnection, tenant_id: str, lead_id: str, departure_id: str, now: datetime
) -> dict[str, Any] | None:
    """The newest quote of the lead for that departure still within its validity."""
    row = (
        await conn.execute(
            text(
                f"{_SELECT} WHERE q.tenant_id = :tenant_id AND q.lead_id = :lead_id"
                " AND q.departure_id = :departure_id"
                " AND q.valid_until > :now ORDER BY q.created_at DESC, q.id LIMIT 1"
            ),
            {"tenant_id": tenant_id, "lead_id": lead_id, "departure_id": departure_id, "now": now},
        )
    ).first()
    return _view(row) if row else None
