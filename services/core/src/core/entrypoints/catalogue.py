"""The catalogue over HTTP: tours (with aliases, price, deposit rule) and departures (with
their seats), and closing a departure."""

from __future__ import annotations

import re
import uuid
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator
from waops_service_kit.api import Call, ListQuery, Reply, Routes, decode_cursor, page
from waops_service_kit.api.pagination import BadCursor

from core.adapters.catalogue import Tour, list_departures, seats_of, tours_with_departures
from core.domain.catalogue import DepositRule
from core.domain.errors import NotFound
from core.entrypoints.context import use_case
from core.handlers import catalogue

routes = Routes(tag="catalogue", description="Tours and departures")

Code = Annotated[
    str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z0-9]{2,8}$")
]
# Printable text: PostgreSQL text cannot hold NUL, and control characters help no one.
PRINTABLE = r"^[^\x00-\x1f\x7f]*$"
Name = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=PRINTABLE),
]
Alias = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=100, pattern=PRINTABLE),
]
CODE = re.compile(r"[A-Za-z0-9]{2,8}")
Currency = Annotated[
    str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z]{3}$")
]
Money = Annotated[Decimal, Field(ge=0, le=Decimal("9999999999.99"), decimal_places=2)]


class SeatsView(BaseModel):
    capacity: int
    held: int = Field(description="seats on unpaid holds")
    confirmed: int = Field(description="seats of paid bookings")
    reserved: int = Field(description="seats set aside for open waitlist offers")
    available: int
    waitlist: int = Field(description="customers in line (waiting or holding an offer)")


class DepartureView(BaseModel):
    id: str
    tour_code: str
    tour_name: str
    start_date: str
    end_date: str
    capacity: int
    status: Literal["OPEN", "CLOSED"]
    price_per_person: str = Field(description="the effective price: the override or the tour's")
    price_override: str | None
    currency: str
    seats: SeatsView


class DepositView(BaseModel):
    kind: Literal["PERCENT", "FIXED"] = Field(
        description="PERCENT of the booking total, or a FIXED amount per person"
    )
    value: str


class TourView(BaseModel):
    id: str
    code: str
    name: str
    aliases: list[str]
    duration_days: int
    price_per_person: str
    currency: str
    active: bool
    deposit: DepositView
    departures: list[DepartureView]


class TourList(BaseModel):
    tours: list[TourView]


class DepositRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["PERCENT", "FIXED"] = "PERCENT"
    value: Money = Decimal("30")

    @model_validator(mode="after")
    def _percent(self) -> DepositRequest:
        if self.kind == "PERCENT" and self.value > 100:
            raise ValueError("a deposit percent is at most 100")
        return self


class TourRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: Code
    name: Name
    aliases: list[Alias] = Field(default_factory=list, max_length=50)
    duration_days: int = Field(ge=1, le=365)
    price_per_person: Money
    currency: Currency = "USD"
    active: bool = True
    deposit: DepositRequest = Field(default_factory=DepositRequest)


class TourPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name | None = None
    aliases: list[Alias] | None = Field(default=None, max_length=50)
    duration_days: int | None = Field(default=None, ge=1, le=365)
    price_per_person: Money | None = None
    currency: Currency | None = None
    active: bool | None = None
    deposit: DepositRequest | None = None


class TourEnvelope(BaseModel):
    tour: TourView


class DepartureRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    start_date: date
    end_date: date | None = Field(default=None, description="default: start + duration - 1")
    capacity: int = Field(ge=1, le=1000)
    price_per_person: Money | None = Field(default=None, description="overrides the tour's")


class DepartureEnvelope(BaseModel):
    departure: DepartureView


class DepartureQuery(ListQuery):
    tour: Code | None = None
    start_from: date | None = Field(default=None, alias="from", description="start date on/after")
    start_to: date | None = Field(default=None, alias="to", description="start date on/before")


class DepartureList(BaseModel):
    items: list[DepartureView]
    next_cursor: str | None


@routes.get("/v1/tours", response=TourList)
async def list_tours(call: Call) -> dict[str, Any]:
    """The catalogue: every tour with its aliases, deposit rule and departures (with seats)."""
    return {"tours": await tours_with_departures(call.conn, call.tenant_id)}


def _code(call: Call) -> str:
    """The tour code in the path; one that cannot exist is simply not found."""
    code = call.path["code"]
    if not CODE.fullmatch(code):
        raise NotFound("TOUR_NOT_FOUND", "no such tour", tour_code=code[:20])
    return code.upper()


def _tour_json(tour: dict[str, Any]) -> dict[str, Any]:
    return {"tour": {**tour, "departures": []}}


@routes.post(
    "/v1/tours",
    body=TourRequest,
    response=TourEnvelope,
    status=201,
    errors=((409, "TOUR_EXISTS"), (422, "UNKNOWN_TENANT")),
)
async def create_tour(call: Call) -> Reply:
    """Add a tour to the catalogue (tour_upserted)."""
    req: TourRequest = call.body
    tour = Tour(
        id=str(uuid.uuid4()),
        code=req.code,
        name=req.name,
        aliases=tuple(req.aliases),
        duration_days=req.duration_days,
        price_per_person=req.price_per_person,
        currency=req.currency,
        active=req.active,
        deposit=DepositRule(req.deposit.kind, req.deposit.value),
    )
    created = await catalogue.create_tour(use_case(call), tour)
    return Reply(_tour_json(created), headers={"Location": f"/v1/tours/{created['code']}"})


@routes.patch(
    "/v1/tours/{code}",
    body=TourPatch,
    response=TourEnvelope,
    errors=((404, "TOUR_NOT_FOUND"),),
)
async def change_tour(call: Call) -> dict[str, Any]:
    """Change a tour's name, aliases, duration, price, currency, status or deposit rule."""
    req: TourPatch = call.body
    changes: dict[str, Any] = req.model_dump(exclude_unset=True, exclude={"deposit"})
    changes = {k: v for k, v in changes.items() if v is not None}
    if "aliases" in changes:
        changes["aliases"] = tuple(changes["aliases"])
    if req.deposit is not None:
        changes["deposit"] = DepositRule(req.deposit.kind, req.deposit.value)
    return _tour_json(await catalogue.change_tour(use_case(call), _code(call), changes))


@routes.post(
    "/v1/tours/{code}/departures",
    body=DepartureRequest,
    response=DepartureEnvelope,
    status=201,
    errors=((404, "TOUR_NOT_FOUND"), (409, "DEPARTURE_EXISTS"), (422, "INVALID_DATES")),
)
async def add_departure(call: Call) -> Reply:
    """Add a departure (dates, capacity, optional price) to a tour (departure.upserted)."""
    req: DepartureRequest = call.body
    departure = await catalogue.add_departure(
        use_case(call),
        _code(call),
        start_date=req.start_date,
        end_date=req.end_date,
        capacity=req.capacity,
        price_per_person=req.price_per_person,
    )
    return Reply(
        {"departure": departure}, headers={"Location": f"/v1/departures/{departure['id']}"}
    )


@routes.get("/v1/departures", query=DepartureQuery, response=DepartureList)
async def get_departures(call: Call) -> dict[str, Any]:
    """Departures by start date, filtered by tour code and start-date range, with seats."""
    q: DepartureQuery = call.query
    after = decode_cursor(q.cursor, 2)
    try:
        key = (date.fromisoformat(after[0]), str(uuid.UUID(after[1]))) if after else None
    except (TypeError, ValueError, AttributeError):
        raise BadCursor("BAD_CURSOR", "the cursor is not one this API issued") from None
    found = await list_departures(
        call.conn,
        call.tenant_id,
        tour_code=q.tour,
        start_from=q.start_from,
        start_to=q.start_to,
        after=key,
        limit=q.limit + 1,
    )
    items, cursor = page(found, q.limit, lambda d: (d.start_date.isoformat(), d.id))
    seats = await seats_of(call.conn, [d.id for d in items])
    return {"items": [d.as_json(seats[d.id]) for d in items], "next_cursor": cursor}


@routes.get(
    "/v1/departures/{departure_id}",
    response=DepartureEnvelope,
    errors=((404, "DEPARTURE_NOT_FOUND"),),
)
async def get_departure(call: Call) -> dict[str, Any]:
    """One departure with its availability (capacity, held, confirmed, available, waitlist)."""
    return {"departure": await catalogue.departure_view(use_case(call), call.path["departure_id"])}


@routes.post(
    "/v1/departures/{departure_id}/close",
    response=DepartureEnvelope,
    errors=((404, "DEPARTURE_NOT_FOUND"), (409, "DEPARTURE_INVALID_TRANSITION")),
)
async def close_departure(call: Call) -> dict[str, Any]:
    """Close a departure: no new bookings, holds or waitlist offers (departure.closed)."""
    return {"departure": await catalogue.close_departure(use_case(call), call.path["departure_id"])}
