"""The demo operator: a tenant, three tours with departures, and six staff.

Departures lie in the coming months, counted from the month the demo is loaded in (on a
fixed day of each month, so reloading within a month changes nothing). One small EBC
departure is full (a paid booking of two) with two customers on its waitlist, to walk
through the waitlist workflow: cancel the paid booking and the first in line gets an offer.

Loading is idempotent: rows are upserted by their natural keys and an event is published
only for a tour or staff member that was created or changed. Its id derives from the row's
version (``updated_at``), so the same change is never staged twice. ``force`` publishes every
row again under fresh ids, e.g. to rebuild a new consumer's read model (consumers upsert).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from waops_contracts import Event, stable_event_id
from waops_contracts.events import DepartureUpserted, StaffUpserted
from waops_messaging import EventWriter

from core.adapters.catalogue import (
    Tour,
    departure,
    seats_of,
    upsert_departure,
    upsert_tenant,
    upsert_tour,
)
from core.adapters.directory import StaffMember, upsert_staff
from core.handlers import bookings
from core.handlers.catalogue import tour_event
from core.handlers.inventory import Ctx, departure_event

TENANT = "demo"
TENANT_NAME = "Demo Treks & Tours"


def _id(*parts: str) -> str:
    """A row id stable across loads (the same uuid5 scheme as event ids)."""
    return stable_event_id("core", *parts)


@dataclass(frozen=True)
class DemoTour:
    code: str
    name: str
    aliases: tuple[str, ...]
    duration_days: int
    price: str
    day: int  # the day of the month its departures start
    departures: tuple[tuple[int, int], ...]  # (months after the load's month, capacity)


FULL_TOUR, FULL_MONTHS, FULL_CAPACITY = "EBC", 3, 2  # the full departure, with a waitlist
FULL_BOOKING = ("Lena Fischer", "+4915123456789", 2)  # (name, phone, pax): paid
WAITLIST = (("Tom Baker", "+447700900123", 2), ("Priya Nair", "+919812345678", 2))

TOURS = (
    DemoTour(
        "EBC",
        "Everest Base Camp Trek",
        ("everest base camp", "ebc trek", "everest trek", "base camp"),
        14,
        "1450",
        5,
        ((1, 12), (2, 12), (3, FULL_CAPACITY), (4, 12), (6, 12)),
    ),
    DemoTour(
        "ANC",
        "Annapurna Circuit",
        ("annapurna", "annapurna circuit trek", "thorong la"),
        16,
        "1250",
        12,
        ((1, 12), (3, 12), (5, 12)),
    ),
    DemoTour(
        "PKR",
        "Pokhara Sightseeing",
        ("pokhara", "pokhara tour", "pokhara city tour"),
        3,
        "220",
        20,
        ((1, 20), (2, 20), (3, 20)),
    ),
)

STAFF = (  # (role, kind, name, phone)
    ("SALES", None, "Sita Sharma", "+9779800000001"),
    ("SALES", None, "Ram Karki", "+9779800000002"),
    ("OPERATIONS", None, "Maya Gurung", "+9779800000003"),
    ("FIELD_STAFF", "guide", "Pemba Sherpa", "+9779800000004"),
    ("FIELD_STAFF", "driver", "Hari Thapa", "+9779800000005"),
    ("MANAGER", None, "Anil Rai", "+9779800000006"),
    ("FIELD_STAFF", "porter", "Dawa Tamang", "+9779800000007"),
)


@dataclass(frozen=True)
class DemoResult:
    tours: int
    staff: int
    departures: int
    events_published: int

    def summary(self) -> str:
        return (
            f"tenant {TENANT}: {self.tours} tours, {self.departures} departures, "
            f"{self.staff} staff; {self.events_published} event(s) published"
        )


def _event_id(kind: str, key: str, version: datetime | None, force: bool) -> str | None:
    """Stable per row version; ``None`` (a fresh id) for a forced republish."""
    if force or version is None:
        return None
    return stable_event_id("core", TENANT, kind, key, version.isoformat())


def departure_start(today: date, months_ahead: int, day: int) -> date:
    """The ``day`` of the month ``months_ahead`` after ``today``'s month."""
    month = today.month - 1 + months_ahead
    return date(today.year + month // 12, month % 12 + 1, day)


async def load_demo(
    engine: AsyncEngine,
    writer: EventWriter,
    *,
    force: bool = False,
    now: datetime | None = None,
) -> DemoResult:
    """Load (or bring up to date) the demo operator; ``now`` defaults to the system time."""
    now = now or datetime.now(UTC)
    staged: list[tuple[Event, str, str | None]] = []  # (event, subject, event id)
    full_departure: str | None = None
    async with engine.begin() as conn:
        await upsert_tenant(conn, TENANT, TENANT_NAME)
        for spec in TOURS:
            tour, changed = await upsert_tour(
                conn,
                TENANT,
                Tour(
                    id=_id(TENANT, "tour", spec.code),
                    code=spec.code,
                    name=spec.name,
                    aliases=spec.aliases,
                    duration_days=spec.duration_days,
                    price_per_person=Decimal(spec.price),
                    currency="USD",
                    active=True,
                ),
            )
            if changed or force:
                event_id = _event_id("tour", tour.id, tour.updated_at, force)
                staged.append((tour_event(tour), f"TOUR/{tour.code}", event_id))
            for months, capacity in spec.departures:
                start = departure_start(now.date(), months, spec.day)
                departure_id = _id(TENANT, "departure", spec.code, start.isoformat())
                if (spec.code, months) == (FULL_TOUR, FULL_MONTHS):
                    full_departure = departure_id
                changed = await upsert_departure(
                    conn,
                    departure_id=departure_id,
                    tour_id=tour.id,
                    start_date=start,
                    end_date=start + timedelta(days=spec.duration_days - 1),
                    capacity=capacity,
                )
                if changed or force:
                    staged.append(await _departure_event(conn, departure_id, force))
        for role, kind, name, phone in STAFF:
            member, changed = await upsert_staff(
                conn,
                TENANT,
                StaffMember(_id(TENANT, "staff", phone), name, phone, role, kind, True),
            )
            if changed or force:
                staff_event = StaffUpserted(
                    user_id=member.id,
                    name=member.name,
                    phone=member.phone,
                    role=member.role,  # the table allows only the four roles
                    kind=member.kind,
                    active=member.active,
                )
                event_id = _event_id("staff", member.id, member.updated_at, force)
                staged.append((staff_event, f"STAFF/{member.id}", event_id))
        for event, subject, event_id in staged:
            await writer.write(
                conn,
                event,
                tenant_id=TENANT,
                subject=subject,
                event_id=event_id,
                partition_key=subject,
            )
        assert full_departure is not None
        flow_events = await _fill_with_waitlist(conn, writer, full_departure, now)
    departures = sum(len(spec.departures) for spec in TOURS)
    return DemoResult(len(TOURS), len(STAFF), departures, len(staged) + flow_events)


async def _departure_event(
    conn: AsyncConnection, departure_id: str, force: bool
) -> tuple[Event, str, str | None]:
    found = await departure(conn, TENANT, departure_id)
    assert found is not None
    seats = (await seats_of(conn, [departure_id]))[departure_id]
    event_id = _event_id("departure", departure_id, found.updated_at, force)
    return departure_event(DepartureUpserted, found, seats), f"DEPARTURE/{departure_id}", event_id


async def _fill_with_waitlist(
    conn: AsyncConnection, writer: EventWriter, departure_id: str, now: datetime
) -> int:
    """Once: a paid booking filling the small departure, and two customers waiting.
    Made through the booking use cases, so rows and events are the real ones."""
    taken = await conn.execute(
        text("SELECT 1 FROM bookings WHERE departure_id = :d LIMIT 1"), {"d": departure_id}
    )
    if taken.first() is not None:
        return 0
    emitted = 0

    async def emit(event: Event, subject: str) -> None:
        nonlocal emitted
        emitted += 1
        await writer.write(conn, event, tenant_id=TENANT, subject=subject, partition_key=subject)

    ctx = Ctx(conn, TENANT, now, emit, hold_ttl=timedelta(hours=24), offer_ttl=timedelta(hours=2))
    name, phone, pax = FULL_BOOKING
    paid = await bookings.book(
        ctx, departure_id=departure_id, pax=pax, customer_phone=phone, customer_name=name
    )
    await bookings.confirm_paid(ctx, paid["id"])
    for name, phone, pax in WAITLIST:
        await bookings.book(
            ctx,
            departure_id=departure_id,
            pax=pax,
            customer_phone=phone,
            customer_name=name,
            join_waitlist=True,
        )
    return emitted
