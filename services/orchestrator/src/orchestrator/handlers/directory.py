"""``directory.staff_upserted``: keep the staff read model the back-office API reads."""

from __future__ import annotations

from waops_contracts.events import StaffUpserted
from waops_messaging import HandlerContext

from orchestrator.adapters.directory import upsert_staff
from orchestrator.handlers.deps import OrchestratorDeps


async def on_staff_upserted(event: StaffUpserted, ctx: HandlerContext[OrchestratorDeps]) -> None:
    await upsert_staff(ctx.conn, ctx.tenant_id, event)
