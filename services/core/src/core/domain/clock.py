"""Time as the core sees it: one clock object, so time-driven rules are testable.

Hold expiry, waitlist offer expiry and balance reminders all ask ``clock.now()``. In
production it is the system clock; with ``WAOPS_CORE_TEST_CLOCK=true`` it can be moved
forward through ``POST /v1/admin/clock`` (integration tests of expiries across processes),
and unit tests hand the sweeps an explicit ``now``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class Clock:
    def __init__(self) -> None:
        self._offset = timedelta()

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset

    def advance(self, delta: timedelta) -> datetime:
        """Move this clock forward (never back: expiries already applied stay applied)."""
        if delta < timedelta():
            raise ValueError("the clock only moves forward")
        self._offset += delta
        return self.now()

    @property
    def offset(self) -> timedelta:
        return self._offset
