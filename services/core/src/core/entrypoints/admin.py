"""Operator endpoints: run the time-driven sweeps now, and (test clock only) move time."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from waops_service_kit.api import Call, Routes

from core.domain.errors import RuleViolation
from core.entrypoints.deps import DEPS

routes = Routes(tag="admin", description="Operating the core itself")


class ClockAdvance(BaseModel):
    model_config = ConfigDict(extra="forbid")
    seconds: float = Field(gt=0, le=400 * 86400)


class ClockView(BaseModel):
    now: str
    offset_seconds: float


class SweepRun(BaseModel):
    handled: dict[str, int]


@routes.post(
    "/v1/admin/clock",
    body=ClockAdvance,
    response=ClockView,
    idempotency="none",
    tenant=False,
    errors=((409, "TEST_CLOCK_DISABLED"),),
)
async def advance_clock(call: Call) -> dict[str, Any]:
    """Move the core's clock forward (only with WAOPS_CORE_TEST_CLOCK=true)."""
    deps = call.request.app[DEPS]
    if not deps.settings.test_clock:
        raise RuleViolation("TEST_CLOCK_DISABLED", "the clock can only be moved in test mode")
    now = deps.clock.advance(timedelta(seconds=call.body.seconds))
    return {"now": now.isoformat(), "offset_seconds": deps.clock.offset.total_seconds()}


@routes.get("/v1/admin/clock", response=ClockView, tenant=False)
async def read_clock(call: Call) -> dict[str, Any]:
    """The core's current time (the system time plus any test offset)."""
    offset = call.request.app[DEPS].clock.offset
    return {"now": call.now.isoformat(), "offset_seconds": offset.total_seconds()}


@routes.post("/v1/admin/sweeps", response=SweepRun, idempotency="none", tenant=False)
async def run_sweeps(call: Call) -> dict[str, Any]:
    """Run every time-driven rule now (hold and offer expiry, reminders) and say what moved."""
    return {"handled": await call.request.app[DEPS].sweeper.run_once()}
