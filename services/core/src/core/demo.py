"""The demo operator: a tenant, three tours with departures, and six staff.

Loading is idempotent: rows are upserted by their natural keys and an event is published
only for a tour or staff member that was created or changed. Its id derives from the row's
version (``updated_at``), so the same change is never staged twice. ``force`` publishes every
row again under fresh ids, e.g. to rebuild a new consumer's read model (consumers upsert).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncEngine
from waops_contracts import Event, stable_event_id
from waops_contracts.events import StaffUpserted, TourUpserted
from waops_messaging import EventWriter

from core.adapters.catalogue import Tour, upsert_departure, upsert_tenant, upsert_tour
from core.adapters.directory import StaffMember, upsert_staff

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
    departures: tuple[tuple[date, int], ...]  # (start date, capacity)


TOURS = (
    DemoTour(
        "EBC",
        "Everest Base Camp Trek",
        ("everest base camp", "ebc trek", "everest trek", "base camp"),
        14,
        "1450",
        (
            (date(2025, 10, 5), 12),
            (date(2026, 3, 15), 12),
            (date(2026, 10, 4), 12),
            (date(2027, 4, 11), 2),
        ),  # the small one: fills up fast (waitlist workflow)
    ),
    DemoTour(
        "ANC",
        "Annapurna Circuit",
        ("annapurna", "annapurna circuit trek", "thorong la"),
        16,
        "1250",
        ((date(2025, 11, 1), 12), (date(2026, 4, 5), 12), (date(2027, 3, 20), 12)),
    ),
    DemoTour(
        "PKR",
        "Pokhara Sightseeing",
        ("pokhara", "pokhara tour", "pokhara city tour"),
        3,
        "220",
        ((date(2025, 12, 20), 20), (date(2026, 2, 14), 20), (date(2026, 5, 1), 20)),
    ),
)

STAFF = (  # (role, kind, name, phone)
    ("SALES", None, "Sita Sharma", "+9779800000001"),
    ("SALES", None, "Ram Karki", "+9779800000002"),
    ("OPERATIONS", None, "Maya Gurung", "+9779800000003"),
    ("FIELD_STAFF", "guide", "Pemba Sherpa", "+9779800000004"),
    ("FIELD_STAFF", "driver", "Hari Thapa", "+9779800000005"),
    ("MANAGER", None, "Anil Rai", "+9779800000006"),
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


async def load_demo(engine: AsyncEngine, writer: EventWriter, *, force: bool = False) -> DemoResult:
    staged: list[tuple[Event, str, str | None]] = []  # (event, subject, event id)
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
            for start, capacity in spec.departures:
                await upsert_departure(
                    conn,
                    departure_id=_id(TENANT, "departure", spec.code, start.isoformat()),
                    tour_id=tour.id,
                    start_date=start,
                    end_date=start + timedelta(days=spec.duration_days - 1),
                    capacity=capacity,
                )
            if changed or force:
                tour_event = TourUpserted(
                    tour_id=tour.id,
                    code=tour.code,
                    name=tour.name,
                    aliases=list(tour.aliases),
                    duration_days=tour.duration_days,
                    price_per_person=str(tour.price_per_person),
                    currency=tour.currency,
                    active=tour.active,
                )
                event_id = _event_id("tour", tour.id, tour.updated_at, force)
                staged.append((tour_event, f"TOUR/{tour.code}", event_id))
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
    departures = sum(len(spec.departures) for spec in TOURS)
    return DemoResult(len(TOURS), len(STAFF), departures, len(staged))
