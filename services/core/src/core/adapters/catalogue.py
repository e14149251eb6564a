"""Tenants, tours and departures."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection


@dataclass(frozen=True)
class Tour:
    id: str
    code: str
    name: str
    aliases: tuple[str, ...]
    duration_days: int
    price_per_person: Decimal
    currency: str
    active: bool
    updated_at: datetime | None = None  # the row's version, set when read

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "code": self.code,
            "name": self.name,
            "aliases": list(self.aliases),
            "duration_days": self.duration_days,
            "price_per_person": str(self.price_per_person),
            "currency": self.currency,
            "active": self.active,
        }


_TOUR_COLUMNS = (
    "id, code, name, aliases, duration_days, price_per_person, currency, active, updated_at"
)


def _tour(row: Any) -> Tour:
    return Tour(
        id=str(row.id),
        code=row.code,
        name=row.name,
        aliases=tuple(row.aliases or ()),
        duration_days=row.duration_days,
        price_per_person=row.price_per_person,
        currency=row.currency,
        active=row.active,
        updated_at=row.updated_at,
    )


async def tour_by_code(conn: AsyncConnection, tenant_id: str, code: str) -> Tour | None:
    row = (
        await conn.execute(
            text(f"SELECT {_TOUR_COLUMNS} FROM tours WHERE tenant_id = :t AND code = :c"),
            {"t": tenant_id, "c": code},
        )
    ).first()
    return _tour(row) if row else None


async def tours_with_departures(conn: AsyncConnection, tenant_id: str) -> list[dict[str, Any]]:
    tours = [
        _tour(r)
        for r in await conn.execute(
            text(f"SELECT {_TOUR_COLUMNS} FROM tours WHERE tenant_id = :t ORDER BY code"),
            {"t": tenant_id},
        )
    ]
    departures: dict[str, list[dict[str, Any]]] = defaultdict(list)
    rows = await conn.execute(
        text(
            "SELECT d.id, d.tour_id, d.start_date, d.end_date, d.capacity FROM departures d"
            " JOIN tours t ON t.id = d.tour_id WHERE t.tenant_id = :t ORDER BY d.start_date"
        ),
        {"t": tenant_id},
    )
    for r in rows:
        departures[str(r.tour_id)].append(
            {
                "id": str(r.id),
                "start_date": r.start_date.isoformat(),
                "end_date": r.end_date.isoformat(),
                "capacity": r.capacity,
            }
        )
    return [{**t.as_json(), "departures": departures[t.id]} for t in tours]


async def upsert_tenant(conn: AsyncConnection, tenant_id: str, name: str) -> None:
    await conn.execute(
        text(
            "INSERT INTO tenants (id, name) VALUES (:i, :n) ON CONFLICT (id) DO UPDATE"
            " SET name = EXCLUDED.name WHERE tenants.name IS DISTINCT FROM EXCLUDED.name"
        ),
        {"i": tenant_id, "n": name},
    )


async def upsert_tour(conn: AsyncConnection, tenant_id: str, tour: Tour) -> tuple[Tour, bool]:
    """Insert or update by (tenant, code). Returns the stored tour and whether it changed."""
    changed = (
        await conn.execute(
            text(
                "INSERT INTO tours (id, tenant_id, code, name, aliases, duration_days,"
                " price_per_person, currency, active) VALUES (:i, :t, :c, :n, :al, :d, :p, :cur, :a)"
                " ON CONFLICT (tenant_id, code) DO UPDATE SET name = EXCLUDED.name,"
                " aliases = EXCLUDED.aliases, duration_days = EXCLUDED.duration_days,"
                " price_per_person = EXCLUDED.price_per_person, currency = EXCLUDED.currency,"
                " active = EXCLUDED.active, updated_at = now()"
                " WHERE (tours.name, tours.aliases, tours.duration_days, tours.price_per_person,"
                " tours.currency, tours.active) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.aliases,"
                " EXCLUDED.duration_days, EXCLUDED.price_per_person, EXCLUDED.currency,"
                " EXCLUDED.active) RETURNING id"
            ),
            {
                "i": tour.id,
                "t": tenant_id,
                "c": tour.code,
                "n": tour.name,
                "al": list(tour.aliases),
                "d": tour.duration_days,
                "p": tour.price_per_person,
                "cur": tour.currency,
                "a": tour.active,
            },
        )
    ).first() is not None
    stored = await tour_by_code(conn, tenant_id, tour.code)
    assert stored is not None
    return stored, changed


async def upsert_departure(
    conn: AsyncConnection,
    *,
    departure_id: str,
    tour_id: str,
    start_date: date,
    end_date: date,
    capacity: int,
) -> bool:
    """Insert or update by (tour, start date). Returns whether anything changed."""
    result = await conn.execute(
        text(
            "INSERT INTO departures (id, tour_id, start_date, end_date, capacity)"
            " VALUES (:i, :t, :s, :e, :c) ON CONFLICT (tour_id, start_date) DO UPDATE"
            " SET end_date = EXCLUDED.end_date, capacity = EXCLUDED.capacity"
            " WHERE (departures.end_date, departures.capacity)"
            " IS DISTINCT FROM (EXCLUDED.end_date, EXCLUDED.capacity) RETURNING id"
        ),
        {"i": departure_id, "t": tour_id, "s": start_date, "e": end_date, "c": capacity},
    )
    return result.first() is not None
