"""Inventory's time-driven rule: holds not paid in time expire and free their seats."""

from __future__ import annotations

from core.adapters import inventory
from core.handlers import bookings
from core.handlers.inventory import departure_sweep
from core.handlers.sweeps import Sweep
from core.settings import CoreSettings


def holds_expire(settings: CoreSettings) -> Sweep:
    """``holds.expire``: every ACTIVE hold past its expiry is expired, its booking
    (HELD/PAYMENT_PENDING) CANCELLED with HOLD_EXPIRED, and the seats offered to the line.

    Due holds are read without locks, then each is handled in its own short transaction
    that takes the departure's lock (the one lock order) and re-checks the hold with SKIP
    LOCKED: replicas sweep side by side, and a hold paid meanwhile is left alone.
    """
    return departure_sweep(
        settings, inventory.due_holds, inventory.hold_if_due, bookings.expire_hold
    )
