"""The probe service of the messaging kit's own tests: its schema (``kit_probe``, with the
``kit_effects`` table of migrations/0001_kit_probe.sql), its two events and what the tests
read back. Kept here, importable, so the kit's test modules share one definition."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from waops_contracts import Event
from waops_contracts.registry import event
from waops_messaging import HandlerContext
from waops_service_kit.db import create_engine
from waops_service_kit.migrations import migrate
from waops_service_kit.provision import provision_schemas, service_url

from waops_testing.plugin import Isolated

SCHEMA = "kit_probe"
SOURCE = "waops/kit-probe"


@event("waops.test.pinged.v1", example={"key": "a", "seq": 1})
class Pinged(Event):
    key: str
    seq: int
    fail: bool = False


@event("waops.test.ponged.v1", example={"key": "a", "seq": 1})
class Ponged(Event):
    key: str
    seq: int


async def probe_engine(iso: Isolated) -> AsyncEngine:
    """The probe's schema and role in the test's database, migrated; an engine on it."""
    await provision_schemas(iso.admin_url, iso.database, (SCHEMA,))
    engine = create_engine(service_url(iso.admin_url, SCHEMA), SCHEMA)
    await migrate(engine, SCHEMA, "waops_testing")
    return engine


async def record_effect(ev: Pinged, ctx: HandlerContext[None]) -> None:
    """A handler's effect, written in its inbox transaction (rolled back if it fails)."""
    await ctx.conn.execute(
        text("INSERT INTO kit_effects (event_id, key, seq) VALUES (:e, :k, :s)"),
        {"e": ctx.envelope.id, "k": ev.key, "s": ev.seq},
    )


async def effects(engine: AsyncEngine) -> list[tuple[str, int]]:
    """Every recorded effect as (key, seq), in the order they committed."""
    async with engine.connect() as conn:
        rows = await conn.execute(text("SELECT key, seq FROM kit_effects ORDER BY id"))
        return [(r.key, r.seq) for r in rows]


async def outbox_drained(engine: AsyncEngine) -> bool:
    """No outbox row left unpublished (the relay marks a row after the broker's confirm,
    so this may trail the event's delivery)."""
    async with engine.connect() as conn:
        left = await conn.scalar(text("SELECT count(*) FROM outbox WHERE published_at IS NULL"))
        return int(left or 0) == 0
