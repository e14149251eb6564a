"""The waitlist in use: joining the line, and offering freed seats to who is next.

Runs under the departure's row lock (taken by the caller): an offer reserves its seats in
the same transaction that freed them, so no other booking can take them meanwhile.
"""

from __future__ import annotations

import uuid
from typing import Any

from waops_contracts.events import WaitlistJoined, WaitlistOffered
from waops_contracts.events.inventory import WaitlistEvent

from core.adapters import waitlist
from core.adapters.catalogue import Departure
from core.domain.catalogue import OPEN
from core.domain.waitlist import OFFERED, WAITING, InLine, choose_offers
from core.handlers.inventory import Ctx, booking_payload, seats, view


async def announce_entry(
    ctx: Ctx, cls: type[WaitlistEvent], booking: dict[str, Any], entry: waitlist.Entry
) -> None:
    await ctx.emit(
        cls(
            **booking_payload(booking),
            entry_id=entry.id,
            position=entry.position,
            offer_expires_at=entry.offer_expires_at.isoformat() if entry.offer_expires_at else None,
        ),
        f"BOOKING/{booking['id']}",
    )


async def join(ctx: Ctx, departure: Departure, booking_id: str, pax: int) -> waitlist.Entry:
    """Put the (just created, WAITLISTED) booking at the end of the departure's line."""
    entry = await waitlist.join(
        ctx.conn,
        entry_id=str(uuid.uuid4()),
        tenant_id=ctx.tenant_id,
        departure_id=departure.id,
        booking_id=booking_id,
        pax=pax,
        now=ctx.now,
    )
    await announce_entry(ctx, WaitlistJoined, await view(ctx, booking_id), entry)
    return entry


async def offer_freed_seats(ctx: Ctx, departure: Departure) -> int:
    """Offer what is free now to the line, first come first served (each party that fits);
    the offered seats are reserved until the offer is confirmed, declined or expires.
    A closed departure makes no offers. Returns how many offers were made."""
    if departure.status != OPEN:
        return 0
    free = (await seats(ctx, departure.id)).available
    line = [e for e in await waitlist.in_line(ctx.conn, departure.id) if e.status == WAITING]
    if free <= 0 or not line:
        return 0
    chosen = {c.entry_id for c in choose_offers(free, [InLine(e.id, e.pax) for e in line])}
    expires_at = ctx.now + ctx.offer_ttl
    for entry in line:
        if entry.id not in chosen:
            continue
        await waitlist.set_status(ctx.conn, entry.id, OFFERED, ctx.now, offer_expires_at=expires_at)
        offered = await waitlist.entry_of_booking(ctx.conn, entry.booking_id)
        assert offered is not None
        await announce_entry(ctx, WaitlistOffered, await view(ctx, entry.booking_id), offered)
    return len(chosen)
