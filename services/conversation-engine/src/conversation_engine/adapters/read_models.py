"""The read models of the core kept here: the staff directory (actors) and the catalogue (tours).

Actors' phones are stored sealed and found through their blind index.

Each upsert stores the event's whole content, so the last event handled wins; a redelivery
with the same content changes nothing (``updated_at`` only moves when something changed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncConnection

from conversation_engine.adapters.sealing import Sealer
from conversation_engine.domain.conversations import DirectoryEntry
from conversation_engine.domain.understanding import TourEntry


@dataclass(frozen=True)
class CatalogueTour:
    """A tour of the catalogue read model, active or not."""

    tour_id: str
    code: str
    name: str
    aliases: tuple[str, ...]
    active: bool
    updated_at: datetime


def directory_entry_of(row: Row[Any]) -> DirectoryEntry:
    """A row of ``SELECT user_id, name, role, active FROM actors``."""
    return DirectoryEntry(user_id=row.user_id, name=row.name, role=row.role, active=row.active)


def tour_entry(row: Row[Any]) -> TourEntry:
    """A row of ``SELECT code, name, aliases FROM tours``."""
    return TourEntry(code=row.code, name=row.name, aliases=tuple(row.aliases or ()))


def catalogue_tour(row: Row[Any]) -> CatalogueTour:
    """A row of ``SELECT tour_id, code, name, aliases, active, updated_at FROM tours``."""
    return CatalogueTour(
        tour_id=row.tour_id,
        code=row.code,
        name=row.name,
        aliases=tuple(row.aliases or ()),
        active=row.active,
        updated_at=row.updated_at,
    )


async def upsert_actor(
    conn: AsyncConnection,
    sealer: Sealer,
    *,
    tenant_id: str,
    phone: str,
    user_id: str,
    name: str,
    role: str,
    kind: str | None,
    active: bool,
) -> None:
    params = {
        "tenant_id": tenant_id,
        "phone_index": sealer.index(phone),
        "user_id": user_id,
        "name": name,
        "role": role,
        "kind": kind,
        "active": active,
    }
    # A staff member whose phone changed: the old phone is no longer theirs (nor staff).
    await conn.execute(
        text(
            "DELETE FROM actors WHERE tenant_id = :tenant_id AND user_id = :user_id"
            " AND phone_index IS DISTINCT FROM :phone_index"
        ),
        params,
    )
    await conn.execute(
        text(
            "INSERT INTO actors (tenant_id, phone_index, phone_sealed, user_id, name, role, kind,"
            " active, updated_at) VALUES (:tenant_id, :phone_index, :phone_sealed, :user_id, :name,"
            " :role, :kind, :active, now())"
            " ON CONFLICT (tenant_id, phone_index) DO UPDATE SET user_id = EXCLUDED.user_id,"
            " name = EXCLUDED.name, role = EXCLUDED.role, kind = EXCLUDED.kind,"
            " active = EXCLUDED.active, updated_at = now()"
            " WHERE (actors.user_id, actors.name, actors.role, actors.kind, actors.active)"
            " IS DISTINCT FROM"
            " (EXCLUDED.user_id, EXCLUDED.name, EXCLUDED.role, EXCLUDED.kind, EXCLUDED.active)"
        ),
        {**params, "phone_sealed": sealer.seal(phone)},
    )


async def directory_entry(
    conn: AsyncConnection, sealer: Sealer, tenant_id: str, phone: str
) -> DirectoryEntry | None:
    row = (
        await conn.execute(
            text(
                "SELECT user_id, name, role, active FROM actors"
                " WHERE tenant_id = :tenant_id AND phone_index = :phone_index"
            ),
            {"tenant_id": tenant_id, "phone_index": sealer.index(phone)},
        )
    ).first()
    return None if row is None else directory_entry_of(row)


async def upsert_tour(
    conn: AsyncConnection,
    *,
    tenant_id: str,
    tour_id: str,
    code: str,
    name: str,
    aliases: list[str],
    active: bool,
) -> None:
    params = {
        "tenant_id": tenant_id,
        "tour_id": tour_id,
        "code": code,
        "name": name,
        "aliases": aliases,
        "active": active,
    }
    # A tour whose code changed: drop the row under its old code.
    await conn.execute(
        text(
            "DELETE FROM tours WHERE tenant_id = :tenant_id AND tour_id = :tour_id"
            " AND code <> :code"
        ),
        params,
    )
    await conn.execute(
        text(
            "INSERT INTO tours (tenant_id, tour_id, code, name, aliases, active, updated_at)"
            " VALUES (:tenant_id, :tour_id, :code, :name, :aliases, :active, now())"
            " ON CONFLICT (tenant_id, code) DO UPDATE SET tour_id = EXCLUDED.tour_id,"
            " name = EXCLUDED.name, aliases = EXCLUDED.aliases, active = EXCLUDED.active,"
            " updated_at = now()"
            " WHERE (tours.tour_id, tours.name, tours.aliases, tours.active)"
            " IS DISTINCT FROM (EXCLUDED.tour_id, EXCLUDED.name, EXCLUDED.aliases, EXCLUDED.active)"
        ),
        params,
    )


async def active_catalogue(conn: AsyncConnection, tenant_id: str) -> list[TourEntry]:
    rows = await conn.execute(
        text(
            "SELECT code, name, aliases FROM tours WHERE tenant_id = :tenant_id AND active"
            " ORDER BY code"
        ),
        {"tenant_id": tenant_id},
    )
    return [tour_entry(r) for r in rows]


async def catalogue_listing(conn: AsyncConnection, tenant_id: str) -> list[CatalogueTour]:
    """The catalogue as this service knows it (active or not), for operations."""
    rows = await conn.execute(
        text(
            "SELECT tour_id, code, name, aliases, active, updated_at FROM tours"
            " WHERE tenant_id = :tenant_id ORDER BY code"
        ),
        {"tenant_id": tenant_id},
    )
    return [catalogue_tour(r) for r in rows]
