"""Keep the staff read model in step with the core's directory."""

from __future__ import annotations

from waops_contracts.events import StaffUpserted
from waops_messaging import HandlerContext

from notifier.adapters.directory import upsert_staff


async def on_staff_upserted(staff: StaffUpserted, ctx: HandlerContext[object]) -> None:
    await upsert_staff(
        ctx.conn,
        tenant_id=ctx.tenant_id,
        user_id=staff.user_id,
        name=staff.name,
        phone=staff.phone,
        role=staff.role,
        kind=staff.kind,
        active=staff.active,
        changed_at=ctx.envelope.time,
    )
