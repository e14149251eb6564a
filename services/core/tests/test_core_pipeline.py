"""The sales pipeline over HTTP on real PostgreSQL and RabbitMQ: lead moves, refusals,
listing, and the lead.* events really published."""

from __future__ import annotations

import asyncio
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # the tests' shared helpers (importlib mode)
from sales_support import SALES_REP, move, new_lead

pytestmark = pytest.mark.integration


async def test_a_lead_moves_contacted_qualified_lost_and_each_move_is_announced(
    core: Any, enquiry: dict[str, Any]
) -> None:
    lead = await new_lead(core, enquiry)
    kinds = ("waops.lead.contacted.v1", "waops.lead.qualified.v1", "waops.lead.lost.v1")
    async with core.capture(*kinds) as captured:
        status, answer = await move(core, lead["id"], "contact", actor=SALES_REP)
        assert (status, answer["lead"]["state"]) == (200, "CONTACTED"), answer
        assert answer["lead"]["state_changed_at"] is not None
        status, answer = await move(core, lead["id"], "qualify")
        assert (status, answer["lead"]["state"]) == (200, "QUALIFIED")
        status, answer = await move(core, lead["id"], "lose", {"reason": "  went elsewhere "})
        assert (status, answer["lead"]["state"]) == (200, "LOST")
        assert answer["lead"]["lost_reason"] == "went elsewhere"
        assert (await core.get(f"/v1/leads/{lead['id']}"))[1] == answer

        [contacted] = await captured.wait_for("waops.lead.contacted.v1")
        assert contacted.subject == f"LEAD/{lead['id']}"
        assert contacted.data["previous_state"] == "NEW"
        assert contacted.data["state"] == "CONTACTED"
        assert contacted.data["actor"] == SALES_REP
        assert contacted.data["customer_phone"] == "+9779841234567"
        assert contacted.data["assigned_to"] == lead["assigned_to"]
        [qualified] = await captured.wait_for("waops.lead.qualified.v1")
        assert qualified.data["previous_state"] == "CONTACTED"
        [lost] = await captured.wait_for("waops.lead.lost.v1")
        assert (lost.data["previous_state"], lost.data["reason"]) == ("QUALIFIED", "went elsewhere")


@pytest.mark.parametrize(
    ("path", "action", "body"),
    [
        (["contact"], "contact", None),  # CONTACTED cannot be contacted again
        (["qualify"], "contact", None),  # no going back
        (["lose"], "qualify", None),  # LOST is final
        (["lose"], "lose", {"reason": "again"}),
        ([], "convert", {"departure_id": str(uuid.uuid4())}),  # NEW cannot convert
        (["contact"], "convert", {"departure_id": str(uuid.uuid4())}),
        (["lose"], "quotes", {"departure_id": str(uuid.uuid4())}),
    ],
)
async def test_a_disallowed_move_is_409_and_changes_nothing(
    core: Any, enquiry: dict[str, Any], path: list[str], action: str, body: Any
) -> None:
    lead = await new_lead(core, enquiry)
    for step in path:
        assert (await move(core, lead["id"], step, {"reason": "r"} if step == "lose" else None))[
            0
        ] == 200
    before = (await core.get(f"/v1/leads/{lead['id']}"))[1]
    outbox = await core.scalar("SELECT count(*) FROM outbox")
    status, err = await move(core, lead["id"], action, body)
    assert status == 409, err
    assert err["error"]["code"] == "LEAD_INVALID_TRANSITION"
    assert err["error"]["details"]["state"] == before["lead"]["state"]
    assert (await core.get(f"/v1/leads/{lead['id']}"))[1] == before
    assert await core.scalar("SELECT count(*) FROM outbox") == outbox


async def test_unknown_leads_and_bad_bodies(core: Any, enquiry: dict[str, Any]) -> None:
    for raw in (str(uuid.uuid4()), "not-a-uuid"):
        status, err = await move(core, raw, "contact")
        assert (status, err["error"]["code"]) == (404, "LEAD_NOT_FOUND")
    lead = await new_lead(core, enquiry)
    status, err = await move(core, lead["id"], "contact", tenant="another-operator")
    assert (status, err["error"]["code"]) == (404, "LEAD_NOT_FOUND")
    for body in (None, {}, {"reason": ""}, {"reason": "x" * 501}):
        status, err = await move(core, lead["id"], "lose", body)
        assert status == 400, (body, err)


async def test_concurrent_moves_on_one_lead_apply_once(core: Any, enquiry: dict[str, Any]) -> None:
    lead = await new_lead(core, enquiry)
    results = await asyncio.gather(*(move(core, lead["id"], "contact") for _ in range(6)))
    assert sorted(status for status, _ in results) == [200] + [409] * 5
    assert (
        await core.scalar(
            "SELECT count(*) FROM outbox WHERE routing_key = 'waops.lead.contacted.v1'"
        )
        == 1
    )


async def test_listing_filters_and_pages_newest_first(core: Any, enquiry: dict[str, Any]) -> None:
    made = [await new_lead(core, enquiry, customer_phone=f"+97798412{n:05d}") for n in range(5)]
    await move(core, made[0]["id"], "contact")
    await move(core, made[1]["id"], "lose", {"reason": "no"})
    seen, cursor = [], None
    while True:
        status, page = await core.get("/v1/leads?limit=2" + (f"&cursor={cursor}" if cursor else ""))
        assert status == 200, page
        assert len(page["items"]) <= 2
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [lead["id"] for lead in reversed(made)]

    status, page = await core.get("/v1/leads?state=CONTACTED")
    assert [item["id"] for item in page["items"]] == [made[0]["id"]]
    status, page = await core.get("/v1/leads?customer_phone=%2B977%209841200003")
    assert [item["id"] for item in page["items"]] == [made[3]["id"]]
    rep = made[2]["assigned_to"]["user_id"]
    status, page = await core.get(f"/v1/leads?assigned_to={rep}")
    assert made[2]["id"] in {item["id"] for item in page["items"]}
    assert {item["assigned_to"]["user_id"] for item in page["items"]} == {rep}
    status, page = await core.get("/v1/leads", tenant="another-operator")
    assert (status, page["items"]) == (200, [])

    for bad in ("state=OPEN", "assigned_to=x", "customer_phone=abc", "cursor=zzz", "limit=0"):
        status, err = await core.get(f"/v1/leads?{bad}")
        assert status == 400, (bad, err)


async def test_a_reps_load_counts_every_lead_still_being_worked(
    core: Any, enquiry: dict[str, Any]
) -> None:
    first = await new_lead(core, enquiry)
    second = await new_lead(core, enquiry)
    assert first["assigned_to"] != second["assigned_to"]
    await move(core, first["id"], "contact")  # still open: its rep stays loaded
    await move(core, second["id"], "lose", {"reason": "no"})  # closed: its rep is free
    third = await new_lead(core, enquiry)
    assert third["assigned_to"] == second["assigned_to"]
