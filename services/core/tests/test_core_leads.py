"""POST /v1/leads on real PostgreSQL and RabbitMQ: numbering, assignment, idempotency, events."""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

pytestmark = pytest.mark.integration

LEAD_CREATED = "waops.lead.created.v1"
SALES_REPS = {"Sita Sharma", "Ram Karki"}


async def test_a_lead_is_numbered_assigned_stored_and_announced(
    core: Any, enquiry: dict[str, Any]
) -> None:
    async with core.capture(LEAD_CREATED) as captured:
        status, body, headers = await core.post_lead(
            enquiry, headers={"X-Correlation-Id": "corr-123"}
        )
        assert status == 201, body
        lead = body["lead"]
        assert re.fullmatch(r"EBC25\d{5}", lead["reference"])
        assert lead["state"] == "NEW"
        assert (lead["tour_code"], lead["tour_name"]) == ("EBC", "Everest Base Camp Trek")
        assert (lead["pax"], lead["travel_month"], lead["travel_date"]) == (3, "2025-03", None)
        assert lead["customer_phone"] == "+9779841234567"
        assert lead["assigned_to"]["name"] in SALES_REPS
        assert lead["assigned_to"]["phone"].startswith("+97798")
        assert "Idempotent-Replayed" not in headers
        assert headers["Location"] == f"/v1/leads/{lead['id']}"

        status, fetched = await core.get(f"/v1/leads/{lead['id']}")
        assert status == 200
        assert fetched == {"lead": lead}

        [event] = await captured.wait_for(LEAD_CREATED)
        assert event.subject == f"LEAD/{lead['id']}"
        assert event.partitionkey == f"LEAD/{lead['id']}"
        assert event.correlationid == "corr-123"
        assert event.source == "waops/core"
        assert event.tenantid == "demo"
        assert event.data["reference"] == lead["reference"]
        assert event.data["assigned_to"] == lead["assigned_to"]
        assert event.data["enquiry_text"] == enquiry["enquiry_text"]
        assert event.data["conversation_id"] == enquiry["conversation_id"]


async def test_leads_are_tenant_scoped_and_unknown_ids_are_404(
    core: Any, enquiry: dict[str, Any]
) -> None:
    _, body, _ = await core.post_lead(enquiry)
    lead_id = body["lead"]["id"]
    for path, tenant in (
        (f"/v1/leads/{lead_id}", "another-operator"),
        (f"/v1/leads/{uuid.uuid4()}", "demo"),
        ("/v1/leads/not-a-uuid", "demo"),
    ):
        status, err = await core.get(path, tenant=tenant)
        assert status == 404
        assert err["error"]["code"] == "LEAD_NOT_FOUND"
    resp = await core.client.get(f"/v1/leads/{lead_id}")
    assert resp.status == 400
    assert (await resp.json())["error"]["code"] == "TENANT_REQUIRED"


async def test_a_replay_returns_the_first_response_and_creates_nothing(
    core: Any, enquiry: dict[str, Any]
) -> None:
    first = await core.post_lead(enquiry, key="cmd-1")
    again = await core.post_lead(enquiry, key="cmd-1")
    assert first[0] == again[0] == 201
    assert again[1] == first[1]
    assert again[2]["Idempotent-Replayed"] == "true"
    assert await core.scalar("SELECT count(*) FROM leads") == 1
    assert (
        await core.scalar("SELECT count(*) FROM outbox WHERE routing_key = :t", t=LEAD_CREATED) == 1
    )
    # A key belongs to its tenant only (the other tenant has no such tour, hence 422).
    other = await core.post_lead(enquiry, key="cmd-1", tenant="another-operator")
    assert other[0] == 422


async def test_a_key_reused_for_another_request_is_409(core: Any, enquiry: dict[str, Any]) -> None:
    assert (await core.post_lead(enquiry, key="cmd-2"))[0] == 201
    status, body, _ = await core.post_lead({**enquiry, "pax": 4}, key="cmd-2")
    assert status == 409
    assert body["error"]["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert await core.scalar("SELECT count(*) FROM leads") == 1


async def test_concurrent_identical_requests_make_one_lead(
    core: Any, enquiry: dict[str, Any]
) -> None:
    results = await asyncio.gather(*(core.post_lead(enquiry, key="cmd-3") for _ in range(10)))
    assert {status for status, _, _ in results} == {201}
    assert len({body["lead"]["id"] for _, body, _ in results}) == 1
    fresh = [h for _, _, h in results if "Idempotent-Replayed" not in h]
    assert len(fresh) == 1
    assert await core.scalar("SELECT count(*) FROM leads") == 1
    assert (
        await core.scalar("SELECT count(*) FROM outbox WHERE routing_key = :t", t=LEAD_CREATED) == 1
    )


async def test_concurrent_different_requests_get_unique_references(
    core: Any, enquiry: dict[str, Any]
) -> None:
    results = await asyncio.gather(*(core.post_lead(enquiry) for _ in range(8)))
    assert {status for status, _, _ in results} == {201}
    references = {body["lead"]["reference"] for _, body, _ in results}
    assert len(references) == 8
    counts: dict[str, int] = {}
    for _, body, _ in results:
        name = body["lead"]["assigned_to"]["name"]
        counts[name] = counts.get(name, 0) + 1
    assert counts == {"Sita Sharma": 4, "Ram Karki": 4}


async def test_sales_reps_take_turns(core: Any, enquiry: dict[str, Any]) -> None:
    names = []
    for _ in range(4):
        status, body, _ = await core.post_lead(enquiry)
        assert status == 201
        names.append(body["lead"]["assigned_to"]["name"])
    assert set(names) == SALES_REPS
    assert names[0] != names[1] and names[0] == names[2] and names[1] == names[3]


async def test_reference_year_follows_travel_date_or_this_year(
    core: Any, enquiry: dict[str, Any]
) -> None:
    dated = {**enquiry, "tour_code": "anc", "travel_month": None, "travel_date": "2026-04-05"}
    status, body, _ = await core.post_lead(dated)
    assert status == 201, body
    assert re.fullmatch(r"ANC26\d{5}", body["lead"]["reference"])
    assert (body["lead"]["travel_month"], body["lead"]["travel_date"]) == ("2026-04", "2026-04-05")

    undated = {k: v for k, v in enquiry.items() if k != "travel_month"} | {"tour_code": "PKR"}
    status, body, _ = await core.post_lead(undated)
    assert status == 201, body
    year = datetime.now(UTC).year % 100
    assert re.fullmatch(rf"PKR{year:02d}\d{{5}}", body["lead"]["reference"])
    assert body["lead"]["travel_month"] is None


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"tour_code": "XYZ"}, 422, "UNKNOWN_TOUR"),
        ({"customer_phone": "call me maybe"}, 422, "INVALID_PHONE"),
        ({"customer_phone": "+9779"}, 422, "INVALID_PHONE"),
        ({"pax": 0}, 400, "INVALID_REQUEST"),
        ({"pax": 51}, 400, "INVALID_REQUEST"),
        ({"pax": "many"}, 400, "INVALID_REQUEST"),
        ({"travel_month": "2025-13"}, 400, "INVALID_REQUEST"),
        ({"travel_date": "2025-04-02"}, 422, "INCONSISTENT_TRAVEL_DATES"),  # not in March
        ({"customer_phone": None}, 400, "INVALID_REQUEST"),
    ],
)
async def test_bad_requests_are_refused_with_a_code(
    core: Any, enquiry: dict[str, Any], change: dict[str, Any], status: int, code: str
) -> None:
    got, body, _ = await core.post_lead({**enquiry, **change})
    assert got == status, body
    assert body["error"]["code"] == code
    assert await core.scalar("SELECT count(*) FROM leads") == 0


async def test_validation_errors_say_which_field(core: Any, enquiry: dict[str, Any]) -> None:
    _, body, _ = await core.post_lead({k: v for k, v in enquiry.items() if k != "pax"})
    assert body["error"]["code"] == "INVALID_REQUEST"
    assert [e["loc"] for e in body["error"]["details"]["errors"]] == [["pax"]]


async def test_refused_request_leaves_its_key_free(core: Any, enquiry: dict[str, Any]) -> None:
    assert (await core.post_lead({**enquiry, "tour_code": "XYZ"}, key="cmd-4"))[0] == 422
    assert (await core.post_lead(enquiry, key="cmd-4"))[0] == 201


async def test_missing_key_tenant_or_json_is_400(core: Any, enquiry: dict[str, Any]) -> None:
    resp = await core.client.post("/v1/leads", json=enquiry, headers={"X-Waops-Tenant": "demo"})
    assert resp.status == 400
    assert (await resp.json())["error"]["code"] == "IDEMPOTENCY_KEY_REQUIRED"
    resp = await core.client.post("/v1/leads", json=enquiry, headers={"Idempotency-Key": "k"})
    assert (await resp.json())["error"]["code"] == "TENANT_REQUIRED"
    resp = await core.client.post(
        "/v1/leads",
        data=b"{not json",
        headers={"X-Waops-Tenant": "demo", "Idempotency-Key": "k"},
    )
    assert resp.status == 400
    assert (await resp.json())["error"]["code"] == "INVALID_JSON"
    status, body, _ = await core.post_lead(["not", "an", "object"])
    assert (status, body["error"]["code"]) == (400, "INVALID_REQUEST")
