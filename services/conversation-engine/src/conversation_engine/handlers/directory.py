"""The core's staff directory and tour catalogue, kept here as read models."""

from __future__ import annotations

from waops_contracts import phone_key
from waops_contracts.events import StaffUpserted, TourUpserted
from waops_messaging import HandlerContext

from conversation_engine.adapters.read_models import upsert_actor, upsert_tour
from conversation_engine.handlers.deps import ConversationDeps


async def on_staff_upserted(event: StaffUpserted, ctx: HandlerContext[ConversationDeps]) -> None:
    await upsert_actor(
        ctx.conn,
        ctx.deps.sealer,
        tenant_id=ctx.tenant_id,
        phone=phone_key(event.phone),
        user_id=event.user_id,
        name=event.name,
        role=event.role,
        kind=event.kind,
        active=event.active,
    )


async def on_tour_upserted(event: TourUpserted, ctx: HandlerContext[object]) -> None:
    await upsert_tour(
        ctx.conn,
        tenant_id=ctx.tenant_id,
        tour_id=event.tour_id,
        code=event.code,
        name=event.name,
        aliases=[a for a in event.aliases if a.strip()],
        active=event.active,
    )
