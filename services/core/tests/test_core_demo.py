"""The demo operator: ``python -m core seed-demo`` loads it once, however often it runs."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from core.handlers.demo import STAFF as DEMO_STAFF
from core.handlers.demo import departure_start, load_demo
from sqlalchemy import text
from waops_testing.poll import eventually

pytestmark = pytest.mark.integration

TOUR = "waops.catalogue.tour_upserted.v1"
STAFF = "waops.directory.staff_upserted.v1"
EVERY_ROW = 3 + 11 + len(DEMO_STAFF)  # a tour, departure or staff event each
# ... and, once, the full departure's bookings: a paid one (hold placed, booking held,
# departure; booking confirmed, departure) and two waitlisted (joined, waitlisted, departure).
FIRST_LOAD = EVERY_ROW + 5 + 2 * 3


async def seed_demo(core: Any, *args: str) -> str:
    """Run the real CLI, as ``make run`` does, against the test's database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WAOPS_")}
    env |= {
        "WAOPS_DATABASE_URL": core.settings.database_url,
        "WAOPS_AMQP_URL": core.settings.amqp_url,
    }
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "core",
        "seed-demo",
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(child.communicate(), 60)
    assert child.returncode == 0, out.decode()
    return out.decode().strip().splitlines()[-1]


async def outbox_count(core: Any) -> int:
    return int(await core.scalar("SELECT count(*) FROM outbox"))


async def test_seed_demo_loads_once_and_publishes_only_changes(bare_core: Any) -> None:
    core = bare_core
    async with core.capture(TOUR, STAFF) as captured:
        first = await seed_demo(core)
        assert (
            f"3 tours, 11 departures, {len(DEMO_STAFF)} staff; {FIRST_LOAD} event(s) published"
            in first
        )
        tours = await captured.wait_for(TOUR, 3)
        staff = await captured.wait_for(STAFF, len(DEMO_STAFF))

        again = await seed_demo(core)
        assert "0 event(s) published" in again
        result = await load_demo(core.runtime.engine, core.runtime.writer)
        assert result.events_published == 0
        assert await outbox_count(core) == FIRST_LOAD
        assert await core.scalar("SELECT count(*) FROM tours") == 3
        assert await core.scalar("SELECT count(*) FROM departures") == 11
        assert await core.scalar("SELECT count(*) FROM bookings") == 3  # the full departure's
        assert await core.scalar("SELECT count(*) FROM staff") == len(DEMO_STAFF)
        # Nothing more reaches the broker once the relay has published everything staged.
        await wait_relayed(core)
        await captured.settled()
        assert len(captured.of_type(TOUR)) == 3
        assert len(captured.of_type(STAFF)) == len(DEMO_STAFF)

    ebc = next(e for e in tours if e.data["code"] == "EBC")
    assert ebc.subject == "TOUR/EBC"
    assert ebc.data["aliases"] == ["everest base camp", "ebc trek", "everest trek", "base camp"]
    assert (ebc.data["duration_days"], ebc.data["price_per_person"]) == (14, "1450.00")
    pemba = next(e for e in staff if e.data["name"] == "Pemba Sherpa")
    assert (pemba.data["role"], pemba.data["kind"]) == ("FIELD_STAFF", "guide")
    assert pemba.subject == f"STAFF/{pemba.data['user_id']}"


async def wait_relayed(core: Any) -> None:
    async def relayed() -> bool:
        pending = await core.scalar("SELECT count(*) FROM outbox WHERE published_at IS NULL")
        return bool(pending == 0)

    await eventually(relayed, what="the outbox to be relayed")


async def test_a_change_is_published_and_force_republishes_everything(bare_core: Any) -> None:
    core = bare_core
    await load_demo(core.runtime.engine, core.runtime.writer)
    async with core.runtime.engine.begin() as conn:
        await conn.execute(text("UPDATE tours SET name = 'Old name' WHERE code = 'PKR'"))
    result = await load_demo(core.runtime.engine, core.runtime.writer)
    assert result.events_published == 1  # PKR's name put back
    assert f"{EVERY_ROW} event(s) published" in await seed_demo(core, "--force")
    assert await outbox_count(core) == FIRST_LOAD + 1 + EVERY_ROW


async def test_tours_and_staff_directory(core: Any) -> None:
    status, body = await core.get("/v1/tours")
    assert status == 200
    tours = {t["code"]: t for t in body["tours"]}
    assert set(tours) == {"EBC", "ANC", "PKR"}
    ebc = tours["EBC"]
    assert ebc["name"] == "Everest Base Camp Trek"
    assert "ebc trek" in ebc["aliases"]
    assert (ebc["duration_days"], ebc["price_per_person"], ebc["currency"]) == (
        14,
        "1450.00",
        "USD",
    )
    first = ebc["departures"][0]
    start = departure_start(datetime.now(UTC).date(), 1, 5)  # the 5th, next month
    assert (first["start_date"], first["end_date"], first["capacity"]) == (
        start.isoformat(),
        (start + timedelta(days=13)).isoformat(),
        12,
    )
    assert min(d["capacity"] for d in ebc["departures"]) < 12  # one small departure
    assert {d["capacity"] for d in tours["PKR"]["departures"]} == {20}

    status, body = await core.get("/v1/staff")
    assert status == 200
    assert len(body["staff"]) == len(DEMO_STAFF)
    status, body = await core.get("/v1/staff?phone=%2B977%20980-000-0004")
    [pemba] = body["staff"]
    assert (pemba["name"], pemba["role"], pemba["kind"]) == ("Pemba Sherpa", "FIELD_STAFF", "guide")
    status, body = await core.get("/v1/staff?role=sales")
    assert {m["name"] for m in body["staff"]} == {"Sita Sharma", "Ram Karki"}
    status, body = await core.get("/v1/staff?phone=%2B9779841234567")
    assert (status, body["staff"]) == (200, [])  # a customer: not in the directory
    status, body = await core.get("/v1/staff?phone=nope")
    assert (status, body["error"]["code"]) == (400, "INVALID_QUERY")
    status, body = await core.get("/v1/staff?role=CEO")
    assert (status, body["error"]["code"]) == (400, "INVALID_QUERY")
    status, body = await core.get("/v1/tours", tenant="another-operator")
    assert (status, body) == (200, {"tours": []})
