"""The read models of the core kept here: the staff directory (actors) and the catalogue (tours).

Actors' phones are stored sealed and found through their blind index.

Each upsert stores the event's whole content, so the last event handled wins; a redelivery
with the same content changes nothing (``updated_at`` only moves when something changed).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from conversation_engine.adapters.sealing import Sealer
from conversation_engine.domain.conversations import DirectoryEntry
from conversation_engine.domain.understanding import TourEntry


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
        "t": tenant_id,
        "i": sealer.index(phone),
        "u": user_id,
        "n": name,
        "r": role,
        "k": kind,
        "a": active,
    }
    # A staff member whose phone changed: the old phone is no longer theirs (nor staff).
    await conn.execute(
        text(
            "DELETE FROM actors WHERE tenant_id = :t AND user_id = :u"
            " AND phone_index IS DISTINCT FROM :i"
        ),
        params,
    )
    await conn.execute(
        text(
            "INSERT INTO actors (tenant_id, phone_index, phone_sealed, user_id, name, role, kind,"
            " active, updated_at) VALUES (:t, :i, :p, :u, :n, :r, :k, :a, now())"
            " ON CONFLICT (tenant_id, phone_index) DO UPDATE SET user_id = EXCLUDED.user_id,"
            " name = EXCLUDED.name, role = EXCLUDED.role, kind = EXCLUDED.kind,"
            " active = EXCLUDED.active, updated_at = now()"
            " WHERE (actors.user_id, actors.name, actors.role, actors.kind, actors.active)"
            " IS DISTINCT FROM"
            " (EXCLUDED.user_id, EXCLUDED.name, EXCLUDED.role, EXCLUDED.kind, EXCLUDED.active)"
        ),
        {**params, "p": sealer.seal(phone)},
    )


async def directory_entry(
    conn: AsyncConnection, sealer: Sealer, tenant_id: str, phone: str
) -> DirectoryEntry | None:
    row = (
        await conn.execute(
            text(
                "SELECT user_id, name, role, active FROM actors"
                " WHERE tenant_id = :t AND phone_index = :i"
            ),
            {"t": tenant_id, "i": sealer.index(phone)},
        )
    ).first()
    if row is None:
        return None
    return DirectoryEntry(user_id=row.user_id, name=row.name, role=row.role, active=row.active)


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
    params = {"t": tenant_id, "i": tour_id, "c": code, "n": name, "al": aliases, "a": active}
    # A tour whose code changed: drop the row under its old code.
    await conn.execute(
        text("DELETE FROM tours WHERE tenant_id = :t AND tour_id = :i AND code <> :c"), params
    )
    await conn.execute(
        text(
            "INSERT INTO tours (tenant_id, tour_id, code, name, aliases, active, updated_at)"
            " VALUES (:t, :i, :c, :n, :al, :a, now())"
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
        text("SELECT code, name, aliases FROM tours WHERE tenant_id = :t AND active ORDER BY code"),
        {"t": tenant_id},
    )
    return [TourEntry(code=r.code, name=r.name, aliases=tuple(r.aliases or ())) for r in rows]


async def catalogue_listing(conn: AsyncConnection, tenant_id: str) -> list[dict[str, Any]]:
    """The catalogue as this service knows it (active or not), for operations."""
    rows = await conn.execute(
        text(
            "SELECT tour_id, code, name, aliases, active, updated_at FROM tours"
            " WHERE tenant_id = :t ORDER BY code"
        ),
        {"t": tenant_id},
    )
    return [
        {
            "tour_id": r.tour_id,
            "code": r.code,
            "name": r.name,
            "aliases": list(r.aliases or ()),
            "active": r.active,
            "updated_at": r.updated_at.isoformat(),
        }
        for r in rows
    ]
