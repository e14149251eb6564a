"""Catalogue events published by the core, read by the conversation engine's matcher."""

from __future__ import annotations

from waops_contracts.registry import Event, event


@event(
    "waops.catalogue.tour_upserted.v1",
    example={
        "tour_id": "7a1b2c3d-0000-4000-8000-000000000001",
        "code": "EBC",
        "name": "Everest Base Camp Trek",
        "aliases": ["EBC", "Everest trek", "Everest base camp"],
        "duration_days": 14,
        "price_per_person": "1450.00",
        "currency": "USD",
        "active": True,
    },
)
class TourUpserted(Event):
    tour_id: str
    code: str
    name: str
    aliases: list[str] = []
    duration_days: int | None = None
    price_per_person: str | None = None
    currency: str | None = None
    active: bool = True
