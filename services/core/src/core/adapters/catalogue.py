"""Tenants, tours and departures, and a departure's seat counts."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.ext.asyncio import AsyncConnection
from waops_service_kit.keyset import Keyset, SortKey

from core.domain.catalogue import OPEN, DepositRule, Seats, effective_price


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
    deposit: DepositRule = field(default_factory=DepositRule)

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
            "deposit": {"kind": self.deposit.kind, "value": str(self.deposit.value)},
        }


_TOUR_COLUMNS = (
    "id, code, name, aliases, duration_days, price_per_person, currency, active, updated_at,"
    " deposit_kind, deposit_value"
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
        deposit=DepositRule(row.deposit_kind, row.deposit_value),
    )


async def tour_by_code(conn: AsyncConnection, tenant_id: str, code: str) -> Tour | None:
    row = (
        await conn.execute(
            text(
                f"SELECT {_TOUR_COLUMNS} FROM tours WHERE tenant_id = :tenant_id AND code = :code"
            ),
            {"tenant_id": tenant_id, "code": code},
        )
    ).first()
    return _tour(row) if row else None


@dataclass(frozen=True)
class Departure:
    """A departure with what its bookings need from its tour."""

    id: str
    tour_id: str
    tour_code: str
    tour_name: str
    start_date: date
    end_date: date
    capacity: int
    price_override: Decimal | None
    tour_price: Decimal
    currency: str
    status: str
    deposit: DepositRule
    updated_at: datetime | None = None

    @property
    def price_per_person(self) -> Decimal:
        return effective_price(self.tour_price, self.price_override)

    def as_json(self, seats: Seats) -> dict[str, Any]:
        return {
            "id": self.id,
            "tour_code": self.tour_code,
            "tour_name": self.tour_name,
            "start_date": self.start_date.isoformat(),
            "end_date": self.end_date.isoformat(),
            "capacity": self.capacity,
            "status": self.status,
            "price_per_person": str(self.price_per_person),
            "price_override": None if self.price_override is None else str(self.price_override),
            "currency": self.currency,
            "seats": seats.as_json(),
        }


_DEPARTURE_SELECT = (
    "SELECT d.id, d.tour_id, t.code AS tour_code, t.name AS tour_name, d.start_date,"
    " d.end_date, d.capacity, d.price_per_person AS price_override,"
    " t.price_per_person AS tour_price, t.currency, d.status, t.deposit_kind, t.deposit_value,"
    " d.updated_at FROM departures d JOIN tours t ON t.id = d.tour_id"
)


def _departure(row: Any) -> Departure:
    return Departure(
        id=str(row.id),
        tour_id=str(row.tour_id),
        tour_code=row.tour_code,
        tour_name=row.tour_name,
        start_date=row.start_date,
        end_date=row.end_date,
        capacity=row.capacity,
        price_override=row.price_override,
        tour_price=row.tour_price,
        currency=row.currency,
        status=row.status,
        deposit=DepositRule(row.deposit_kind, row.deposit_value),
        updated_at=row.updated_at,
    )


async def departure(
    conn: AsyncConnection, tenant_id: str, departure_id: str, *, lock: bool = False
) -> Departure | None:
    """One departure of the tenant; ``lock`` takes its row lock until commit, the lock every
    change to its seats (holds, offers, bookings' states) is made under. NO KEY UPDATE: it
    serialises those changes while rows referencing the departure (trips, holds) can still
    be inserted by others without waiting on it."""
    try:
        departure_id = str(uuid.UUID(departure_id))
    except (ValueError, TypeError):
        return None
    row = (
        await conn.execute(
            text(
                f"{_DEPARTURE_SELECT} WHERE d.id = CAST(:departure_id AS uuid)"
                " AND t.tenant_id = :tenant_id" + (" FOR NO KEY UPDATE OF d" if lock else "")
            ),
            {"tenant_id": tenant_id, "departure_id": departure_id},
        )
    ).first()
    return _departure(row) if row else None


_BY_START = Keyset(SortKey("d.start_date", "date"), SortKey("d.id", "uuid"))


async def list_departures(
    conn: AsyncConnection,
    tenant_id: str,
    *,
    tour_code: str | None,
    start_from: date | None,
    start_to: date | None,
    after: tuple[date, str] | None,
    limit: int,
) -> list[Departure]:
    """Departures by start date (then id), keyset-paginated after ``after``."""
    page = _BY_START.page(after, limit)
    rows = await conn.execute(
        text(
            f"{_DEPARTURE_SELECT} WHERE t.tenant_id = :tenant_id"
            " AND (CAST(:tour_code AS text) IS NULL OR t.code = :tour_code)"
            " AND (CAST(:start_from AS date) IS NULL OR d.start_date >= :start_from)"
            " AND (CAST(:start_to AS date) IS NULL OR d.start_date <= :start_to)"
            f" AND {page.where} {page.order_limit}"
        ),
        {
            "tenant_id": tenant_id,
            "tour_code": tour_code,
            "start_from": start_from,
            "start_to": start_to,
            **page.params,
        },
    )
    return [_departure(r) for r in rows]


_SEATS = text(
    "SELECT d.id, d.capacity,"
    " (SELECT coalesce(sum(h.pax), 0) FROM holds h WHERE h.departure_id = d.id"
    "  AND h.status = 'ACTIVE') AS held,"
    " (SELECT coalesce(sum(h.pax), 0) FROM holds h WHERE h.departure_id = d.id"
    "  AND h.status = 'CONFIRMED') AS confirmed,"
    " (SELECT coalesce(sum(w.pax), 0) FROM waitlist_entries w WHERE w.departure_id = d.id"
    "  AND w.status = 'OFFERED') AS reserved,"
    " (SELECT count(*) FROM waitlist_entries w WHERE w.departure_id = d.id"
    "  AND w.status IN ('WAITING', 'OFFERED')) AS waitlist"
    " FROM departures d WHERE d.id = ANY(:ids)"
).bindparams(bindparam("ids", type_=ARRAY(UUID(as_uuid=False))))


async def seats_of(conn: AsyncConnection, departure_ids: Sequence[str]) -> dict[str, Seats]:
    """Seat counts of each departure, from its live holds and open offers (exact when read
    under the departure's lock: every writer takes it)."""
    if not departure_ids:
        return {}
    rows = await conn.execute(_SEATS, {"ids": list(departure_ids)})
    return {
        str(r.id): Seats(
            capacity=r.capacity,
            held=int(r.held),
            confirmed=int(r.confirmed),
            reserved=int(r.reserved),
            waitlist=int(r.waitlist),
        )
        for r in rows
    }


async def tours_with_departures(conn: AsyncConnection, tenant_id: str) -> list[dict[str, Any]]:
    tours = [
        _tour(r)
        for r in await conn.execute(
            text(f"SELECT {_TOUR_COLUMNS} FROM tours WHERE tenant_id = :tenant_id ORDER BY code"),
            {"tenant_id": tenant_id},
        )
    ]
    found = [
        _departure(r)
        for r in await conn.execute(
            text(f"{_DEPARTURE_SELECT} WHERE t.tenant_id = :tenant_id ORDER BY d.start_date, d.id"),
            {"tenant_id": tenant_id},
        )
    ]
    seats = await seats_of(conn, [d.id for d in found])
    departures: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for d in found:
        departures[d.tour_id].append(d.as_json(seats[d.id]))
    return [{**t.as_json(), "departures": departures[t.id]} for t in tours]


async def upsert_tenant(conn: AsyncConnection, tenant_id: str, name: str) -> None:
    await conn.execute(
        text(
            "INSERT INTO tenants (id, name) VALUES (:tenant_id, :name) ON CONFLICT (id) DO UPDATE"
            " SET name = EXCLUDED.name WHERE tenants.name IS DISTINCT FROM EXCLUDED.name"
        ),
        {"tenant_id": tenant_id, "name": name},
    )


async def tenant_exists(conn: AsyncConnection, tenant_id: str) -> bool:
    row = (
        await conn.execute(
            text("SELECT 1 FROM tenants WHERE id = :tenant_id"), {"tenant_id": tenant_id}
        )
    ).first()
    return row is not None


async def upsert_tour(conn: AsyncConnection, tenant_id: str, tour: Tour) -> tuple[Tour, bool]:
    """Insert or update by (tenant, code). Returns the stored tour and whether it changed."""
    changed = (
        await conn.execute(
            text(
                "INSERT INTO tours (id, tenant_id, code, name, aliases, duration_days,"
                " price_per_person, currency, active, deposit_kind, deposit_value)"
                " VALUES (:tour_id, :tenant_id, :code, :name, :aliases, :duration_days,"
                " :price_per_person, :currency, :active, :deposit_kind, :deposit_value)"
                " ON CONFLICT (tenant_id, code) DO UPDATE SET name = EXCLUDED.name,"
                " aliases = EXCLUDED.aliases, duration_days = EXCLUDED.duration_days,"
                " price_per_person = EXCLUDED.price_per_person, currency = EXCLUDED.currency,"
                " active = EXCLUDED.active, deposit_kind = EXCLUDED.deposit_kind,"
                " deposit_value = EXCLUDED.deposit_value, updated_at = now()"
                " WHERE (tours.name, tours.aliases, tours.duration_days, tours.price_per_person,"
                " tours.currency, tours.active, tours.deposit_kind, tours.deposit_value)"
                " IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.aliases, EXCLUDED.duration_days,"
                " EXCLUDED.price_per_person, EXCLUDED.currency, EXCLUDED.active,"
                " EXCLUDED.deposit_kind, EXCLUDED.deposit_value) RETURNING id"
            ),
            _tour_params(tenant_id, tour),
        )
    ).first() is not None
    stored = await tour_by_code(conn, tenant_id, tour.code)
    assert stored is not None
    return stored, changed


def _tour_params(tenant_id: str, tour: Tour) -> dict[str, Any]:
    """A tour's columns as the bind parameters its upsert and insert share."""
    return {
        "tour_id": tour.id,
        "tenant_id": tenant_id,
        "code": tour.code,
        "name": tour.name,
        "aliases": list(tour.aliases),
        "duration_days": tour.duration_days,
        "price_per_person": tour.price_per_person,
        "currency": tour.currency,
        "active": tour.active,
        "deposit_kind": tour.deposit.kind,
        "deposit_value": tour.deposit.value,
    }


async def insert_tour(conn: AsyncConnection, tenant_id: str, tour: Tour) -> Tour | None:
    """A new tour; None if the tenant already has one with its code."""
    inserted = (
        await conn.execute(
            text(
                "INSERT INTO tours (id, tenant_id, code, name, aliases, duration_days,"
                " price_per_person, currency, active, deposit_kind, deposit_value)"
                " VALUES (:tour_id, :tenant_id, :code, :name, :aliases, :duration_days,"
                " :price_per_person, :currency, :active, :deposit_kind, :deposit_value)"
                " ON CONFLICT (tenant_id, code) DO NOTHING RETURNING id"
            ),
            _tour_params(tenant_id, tour),
        )
    ).first()
    return await tour_by_code(conn, tenant_id, tour.code) if inserted else None


async def upsert_departure(
    conn: AsyncConnection,
    *,
    departure_id: str,
    tour_id: str,
    start_date: date,
    end_date: date,
    capacity: int,
    price_per_person: Decimal | None = None,
) -> bool:
    """Insert or update by (tour, start date). Returns whether anything changed."""
    result = await conn.execute(
        text(
            "INSERT INTO departures (id, tour_id, start_date, end_date, capacity,"
            " price_per_person) VALUES (:departure_id, :tour_id, :start_date, :end_date, :capacity,"
            " :price_per_person)"
            " ON CONFLICT (tour_id, start_date) DO UPDATE"
            " SET end_date = EXCLUDED.end_date, capacity = EXCLUDED.capacity,"
            " price_per_person = EXCLUDED.price_per_person, updated_at = now()"
            " WHERE (departures.end_date, departures.capacity, departures.price_per_person)"
            " IS DISTINCT FROM (EXCLUDED.end_date, EXCLUDED.capacity, EXCLUDED.price_per_person)"
            " RETURNING id"
        ),
        {
            "departure_id": departure_id,
            "tour_id": tour_id,
            "start_date": start_date,
            "end_date": end_date,
            "capacity": capacity,
            "price_per_person": price_per_person,
        },
    )
    return result.first() is not None


async def insert_departure(
    conn: AsyncConnection,
    *,
    departure_id: str,
    tour_id: str,
    start_date: date,
    end_date: date,
    capacity: int,
    price_per_person: Decimal | None,
) -> bool:
    """A new departure; False if the tour already departs that day."""
    result = await conn.execute(
        text(
            "INSERT INTO departures (id, tour_id, start_date, end_date, capacity,"
            " price_per_person, status) VALUES (:departure_id, :tour_id, :start_date, :end_date,"
            " :capacity, :price_per_person, :status)"
            " ON CONFLICT (tour_id, start_date) DO NOTHING RETURNING id"
        ),
        {
            "departure_id": departure_id,
            "tour_id": tour_id,
            "start_date": start_date,
            "end_date": end_date,
            "capacity": capacity,
            "price_per_person": price_per_person,
            "status": OPEN,
        },
    )
    return result.first() is not None


async def set_departure_status(
    conn: AsyncConnection, departure_id: str, status: str, now: datetime
) -> None:
    await conn.execute(
        text(
            "UPDATE departures SET status = :status, updated_at = :now,"
            " closed_at = CASE WHEN :status = 'CLOSED' THEN :now ELSE closed_at END"
            " WHERE id = :departure_id"
        ),
        {"status": status, "now": now, "departure_id": departure_id},
    )
