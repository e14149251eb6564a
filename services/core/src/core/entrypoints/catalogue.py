"""The catalogue over HTTP: tours with their aliases and departures."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from core.adapters.catalogue import tours_with_departures
from core.api import Call, Routes

routes = Routes(tag="catalogue", description="Tours and departures")


class DepartureView(BaseModel):
    id: str
    start_date: str
    end_date: str
    capacity: int


class TourView(BaseModel):
    id: str
    code: str
    name: str
    aliases: list[str]
    duration_days: int
    price_per_person: str
    currency: str
    active: bool
    departures: list[DepartureView]


class TourList(BaseModel):
    tours: list[TourView]


@routes.get("/v1/tours", response=TourList)
async def list_tours(call: Call) -> dict[str, Any]:
    """The catalogue: every tour with its aliases and departures."""
    return {"tours": await tours_with_departures(call.conn, call.tenant_id)}
