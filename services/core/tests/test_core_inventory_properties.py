"""Property-based, against the running service: random sequences of booking commands (book,
join the waitlist, pay, cancel, take or decline offers, let time pass and sweep) never give
away more seats than a departure has, and the seat counts always match the bookings."""

from __future__ import annotations

import sys
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from core.handlers import bookings as seams
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent))  # the tests' shared helpers (importlib mode)
from inventory_support import book, customer, new_departure, run_seam, seats

pytestmark = pytest.mark.integration

EXPECTED_REFUSALS = {
    "BOOKING_INVALID_TRANSITION",
    "NO_SEATS_LEFT",
    "NO_OPEN_OFFER",
    "OFFER_EXPIRED",
}

commands = st.lists(
    st.one_of(
        st.tuples(st.just("book"), st.integers(1, 3), st.booleans()),
        st.tuples(
            st.sampled_from(["cancel", "pay", "link", "confirm-offer", "decline-offer"]),
            st.integers(0, 20),
        ),
        st.tuples(st.just("time"), st.sampled_from([1, 3, 25])),
    ),
    min_size=4,
    max_size=14,
)


async def check(core: Any, departure_id: str, capacity: int) -> None:
    status, page = await core.get(f"/v1/bookings?departure_id={departure_id}&limit=200")
    assert status == 200
    found = page["items"]
    now = await seats(core, departure_id)
    held = sum(x["pax"] for x in found if x["state"] in ("HELD", "PAYMENT_PENDING"))
    paid = sum(x["pax"] for x in found if x["state"] in ("CONFIRMED", "ACTIVE", "COMPLETED"))
    offered = sum(
        x["pax"]
        for x in found
        if x["state"] == "WAITLISTED" and x["waitlist"]["status"] == "OFFERED"
    )
    assert (now["held"], now["confirmed"], now["reserved"]) == (held, paid, offered)
    assert held + paid + offered <= capacity
    assert now["waitlist"] == sum(1 for x in found if x["state"] == "WAITLISTED")
    for x in found:
        live = x["hold"] is not None and x["hold"]["status"] in ("ACTIVE", "CONFIRMED")
        assert live == (x["state"] in ("HELD", "PAYMENT_PENDING", "CONFIRMED"))
    positions = sorted(x["waitlist"]["position"] for x in found if x["state"] == "WAITLISTED")
    assert positions == list(range(1, len(positions) + 1))


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(capacity=st.integers(1, 4), steps=commands)
async def test_random_commands_over_http_keep_capacity_and_counts(
    core: Any, capacity: int, steps: list[tuple[Any, ...]]
) -> None:
    departure = await new_departure(core, capacity)
    made: list[str] = []
    for step in steps:
        if step[0] == "book":
            status, body = await book(
                core, departure["id"], step[1], phone=customer(len(made)), waitlist=step[2]
            )
            if status == 201:
                made.append(body["booking"]["id"])
            else:
                assert (status, body["error"]["code"]) == (409, "NO_SEATS_LEFT")
        elif step[0] == "time":
            core.deps.clock.advance(timedelta(hours=step[1]))
            await core.deps.sweeper.run_once()
        elif made:
            target = made[step[1] % len(made)]
            if step[0] in ("pay", "link"):
                seam = (
                    seams.confirm_paid_booking if step[0] == "pay" else seams.mark_payment_pending
                )
                try:
                    await run_seam(core, seam, target)
                except Exception as exc:
                    assert getattr(exc, "code", None) in EXPECTED_REFUSALS, exc
            else:
                status, body = await core.send(
                    "POST", f"/v1/bookings/{target}/{step[0]}", key=str(uuid.uuid4())
                )
                if status != 200:
                    assert status == 409 and body["error"]["code"] in EXPECTED_REFUSALS, body
        await check(core, departure["id"], capacity)
