"""Inventory's time-driven rule: holds not paid in time expire and free their seats."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncEngine
from waops_messaging import EventWriter

from core.adapters import inventory
from core.services import bookings
from core.services.inventory import lock_departure, sweep_ctx
from core.settings import CoreSettings
from core.sweeps import Sweep

BATCH = 100


def holds_expire(settings: CoreSettings) -> Sweep:
    """``holds.expire``: every ACTIVE hold past its expiry is expired, its booking
    (HELD/PAYMENT_PENDING) CANCELLED with HOLD_EXPIRED, and the seats offered to the line.

    Due holds are read without locks, then each is handled in its own short transaction
    that takes the departure's lock (the one lock order) and re-checks the hold with SKIP
    LOCKED: replicas sweep side by side, and a hold paid meanwhile is left alone.
    """

    async def expire_holds(engine: AsyncEngine, writer: EventWriter, now: datetime) -> int:
        handled = 0
        while True:
            async with engine.connect() as conn:
                due = await inventory.due_holds(conn, now, BATCH)
            done = 0
            for item in due:
                async with engine.begin() as conn:
                    ctx = sweep_ctx(conn, writer, item.tenant_id, now, settings)
                    departure = await lock_departure(ctx, item.departure_id)
                    hold = await inventory.hold_if_due(conn, item.id, now)
                    if hold is not None:
                        await bookings.expire_hold(ctx, departure, hold)
                        done += 1
            handled += done
            if done == 0 or len(due) < BATCH:
                return handled

    return expire_holds
