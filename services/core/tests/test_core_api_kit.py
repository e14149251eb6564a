"""The API kit's shared behaviour: cursors, the clock, the sweeper, admin endpoints and the
purge of old Idempotency-Key records."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from core.domain.clock import Clock
from core.handlers.sweeps import Sweeper
from waops_service_kit.api.pagination import BadCursor, decode_cursor, encode_cursor, page


def test_a_cursor_round_trips_and_a_forged_one_is_refused() -> None:
    key = ["2026-11-26T05:00:00+00:00", str(uuid.uuid4())]
    assert decode_cursor(encode_cursor(key), 2) == key
    assert decode_cursor(None, 2) is None
    for forged in ("not-base64!!", encode_cursor(["one"]), encode_cursor({"a": 1}.keys())):  # type: ignore[arg-type]
        with pytest.raises(BadCursor):
            decode_cursor(forged, 2)


def test_a_page_says_whether_more_follow() -> None:
    rows = [{"n": i} for i in range(4)]
    items, cursor = page(rows, 3, lambda r: [r["n"]])
    assert [r["n"] for r in items] == [0, 1, 2]
    assert decode_cursor(cursor, 1) == [2]
    items, cursor = page(rows[:3], 3, lambda r: [r["n"]])
    assert len(items) == 3 and cursor is None


def test_the_clock_only_moves_forward() -> None:
    clock = Clock()
    before = clock.now()
    after = clock.advance(timedelta(hours=25))
    assert after - before >= timedelta(hours=25)
    with pytest.raises(ValueError):
        clock.advance(timedelta(seconds=-1))


async def test_one_failing_sweep_does_not_stop_the_others() -> None:
    seen: list[datetime] = []

    async def broken(*_: Any) -> int:
        raise RuntimeError("boom")

    async def working(_engine: Any, _writer: Any, now: datetime) -> int:
        seen.append(now)
        return 2

    sweeper = Sweeper(None, None, Clock(), {"a": broken, "b": working}, 60)  # type: ignore[arg-type]
    at = datetime(2030, 1, 1, tzinfo=UTC)
    assert await sweeper.run_once(at) == {"b": 2}
    assert seen == [at]


async def test_the_clock_cannot_be_moved_outside_test_mode(core: Any) -> None:
    status, body = await core.send("POST", "/v1/admin/clock", {"seconds": 60})
    assert (status, body["error"]["code"]) == (409, "TEST_CLOCK_DISABLED")
    status, body = await core.send("GET", "/v1/admin/clock")
    assert status == 200 and body["offset_seconds"] == 0


async def test_admin_runs_the_sweeps_and_old_idempotency_keys_are_purged(
    core: Any, enquiry: dict[str, Any]
) -> None:
    status, _, _ = await core.post_lead(enquiry, key="kept-for-a-while")
    assert status == 201
    status, body = await core.send("POST", "/v1/admin/sweeps")
    assert status == 200 and body["handled"]["idempotency.purge"] == 0
    assert await core.scalar("SELECT count(*) FROM idempotency_keys") == 1
    ttl = timedelta(hours=core.settings.idempotency_ttl_hours)
    handled = await core.deps.sweeper.run_once(datetime.now(UTC) + ttl + timedelta(minutes=1))
    assert handled["idempotency.purge"] == 1
    assert await core.scalar("SELECT count(*) FROM idempotency_keys") == 0


async def test_a_refusal_rolls_back_and_leaves_the_key_free(
    core: Any, enquiry: dict[str, Any]
) -> None:
    status, body, _ = await core.post_lead({**enquiry, "tour_code": "NOPE"}, key="k-refused")
    assert (status, body["error"]["code"]) == (422, "UNKNOWN_TOUR")
    assert await core.scalar("SELECT count(*) FROM idempotency_keys") == 0
    status, _, headers = await core.post_lead(enquiry, key="k-refused")
    assert status == 201 and "Idempotent-Replayed" not in headers


async def test_an_empty_body_is_required_only_where_a_field_is(core: Any) -> None:
    # Booking needs its fields: no body is BODY_REQUIRED, not a validation of nothing.
    resp = await core.client.post("/v1/bookings", headers={"X-Waops-Tenant": "demo"})
    assert resp.status == 400
    assert (await resp.json())["error"]["code"] == "BODY_REQUIRED"
    # A trip note is optional: no body reads as {} (then the trip is refused on its own).
    resp = await core.client.post(
        f"/v1/trips/{uuid.uuid4()}/check-in",
        headers={"X-Waops-Tenant": "demo", "X-Waops-Actor-Id": "+9779800000004"},
    )
    assert resp.status == 404, await resp.text()
    assert (await resp.json())["error"]["code"] == "TRIP_NOT_FOUND"
