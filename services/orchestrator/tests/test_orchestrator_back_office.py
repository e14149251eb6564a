"""The back-office API: authentication, the acting staff member, validation, the same
execution path as WhatsApp commands (published, so audited), idempotent retries, and the
core's answers passed on — against the REAL core."""

from __future__ import annotations

import socket
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from orchestrator.bootstrap import create_app
from orchestrator.settings import OrchestratorSettings
from waops_contracts import Envelope
from waops_contracts.events import StaffUpserted
from waops_testing.plugin import Isolated
from waops_testing.poll import eventually
from waops_testing.services import publish, running_service, service_db, settings_for

sys.path.insert(0, str(Path(__file__).parent))  # the tests' shared helpers (importlib mode)
from orchestrator_stack import (
    API_TOKEN,
    GUIDE,
    MANAGER,
    OPERATIONS,
    SALES,
    TENANT,
    Stack,
    a_customer,
)

pytestmark = pytest.mark.integration

REQUESTED = "waops.command.requested.v1"
SUCCEEDED = "waops.command.succeeded.v1"
REJECTED = "waops.command.rejected.v1"


def events_of(stack: Stack, command_id: str) -> list[Envelope]:
    return [e for e in stack.tap.events if e.data.get("command_id") == command_id]


async def published(stack: Stack, command_id: str, *types: str) -> list[Envelope]:
    """The command's events once ``types`` have all arrived (in arrival order)."""

    async def arrived() -> list[Envelope] | None:
        found = events_of(stack, command_id)
        return found if {e.type for e in found} >= set(types) else None

    return await eventually(arrived, what=f"{types} of {command_id}")


async def test_requests_without_the_token_are_refused(stack: Stack) -> None:
    path = "/v1/departures/00000000-0000-0000-0000-000000000001/close"
    for token in (None, "wrong-token", ""):
        status, body, headers = await stack.back_office(path, {}, token=token)
        assert (status, body["error"]["code"]) == (401, "UNAUTHENTICATED"), token
        assert headers["WWW-Authenticate"] == "Bearer"
    resp = await stack.orchestrator.post(
        path, json={}, headers={"Authorization": f"Basic {API_TOKEN}", "X-Waops-Tenant": TENANT}
    )
    assert resp.status == 401
    async with service_db(stack.iso, "orchestrator") as db:
        assert await db.fetchval("SELECT count(*) FROM commands") == 0


async def test_an_api_without_a_configured_token_is_closed(isolated: Isolated) -> None:
    settings = settings_for(OrchestratorSettings, isolated, "orchestrator", api_token="")
    async with running_service(create_app, settings) as client:
        resp = await client.post(
            "/v1/leads/x/quotes",
            json={},
            headers={"Authorization": "Bearer ", "X-Waops-Tenant": TENANT},
        )
        assert resp.status == 503
        assert (await resp.json())["error"]["code"] == "API_NOT_CONFIGURED"


async def test_the_request_must_name_the_tenant_the_actor_and_the_key(stack: Stack) -> None:
    path = "/v1/departures/00000000-0000-0000-0000-000000000001/close"
    status, body, _ = await stack.back_office(path, {}, actor=None)
    assert (status, body["error"]["code"]) == (400, "ACTOR_REQUIRED")
    status, body, _ = await stack.back_office(path, {}, key="")
    assert (status, body["error"]["code"]) == (400, "IDEMPOTENCY_KEY_REQUIRED")
    status, body, _ = await stack.back_office(path, {}, tenant="")
    assert (status, body["error"]["code"]) == (400, "TENANT_REQUIRED")
    resp = await stack.orchestrator.post(
        path,
        data=b"{not json",
        headers={
            "Authorization": f"Bearer {API_TOKEN}",
            "X-Waops-Tenant": TENANT,
            "X-Waops-Actor-Id": stack.staff_id(OPERATIONS),
            "Idempotency-Key": "k",
        },
    )
    assert (resp.status, (await resp.json())["error"]["code"]) == (400, "INVALID_JSON")


async def test_the_actor_must_be_active_staff(stack: Stack) -> None:
    path = "/v1/departures/00000000-0000-0000-0000-000000000001/close"
    status, body, _ = await stack.back_office(path, {}, actor=str(uuid.uuid4()))
    assert (status, body["error"]["code"]) == (403, "NOT_STAFF")

    # Maya leaves: the directory's event reaches the read model, and she is refused.
    maya = stack.staff[OPERATIONS]
    resp = await stack.core.patch(
        f"/v1/staff/{maya['id']}", json={"active": False}, headers={"X-Waops-Tenant": TENANT}
    )
    assert resp.status == 200, await resp.text()

    async def refused() -> bool:
        status, body, _ = await stack.back_office(path, {}, actor=OPERATIONS)
        return status == 403 and body["error"]["code"] == "STAFF_INACTIVE"

    await eventually(refused, what="Maya refused once inactive")


async def test_bodies_are_validated(stack: Stack) -> None:
    lead = await stack.lead(a_customer())
    path = f"/v1/leads/{lead['id']}/quotes"
    cases: list[tuple[Any, str]] = [
        ({}, "departure_id"),  # missing
        ({"departure_id": "d", "pax": 0}, "pax"),
        ({"departure_id": "d", "discount_percent": "lots"}, "discount_percent"),
        ({"departure_id": "d", "surprise": True}, "surprise"),  # unknown fields are refused
        ([1, 2], ""),
    ]
    for body, named in cases:
        status, answer, _ = await stack.back_office(path, body, actor=SALES)
        assert (status, answer["error"]["code"]) == (422, "INVALID_REQUEST"), body
        assert named in str(answer["error"]), answer
    body = {"staff_id": str(uuid.uuid4()), "role": "GUIDE", "compensation_amount": "-1"}
    status, answer, _ = await stack.back_office("/v1/trips/EBC-261005/assignments", body)
    assert (status, answer["error"]["code"]) == (422, "INVALID_REQUEST")
    async with service_db(stack.iso, "orchestrator") as db:
        assert await db.fetchval("SELECT count(*) FROM commands") == 0


async def test_sales_quote_convert_and_send_a_link_from_the_web(stack: Stack) -> None:
    customer = a_customer()
    lead = await stack.lead(customer)
    departure = await stack.departure("PKR")
    status, quoted, _ = await stack.back_office(
        f"/v1/leads/{lead['id']}/quotes", {"departure_id": departure["id"]}, actor=SALES
    )
    assert status == 201, quoted
    assert quoted["status"] == "succeeded" and quoted["name"] == "SendQuote"
    assert quoted["object"] == {"type": "LEAD", "id": lead["id"], "reference": lead["reference"]}
    assert quoted["result"]["state"] == "QUOTED"

    status, converted, _ = await stack.back_office(
        f"/v1/leads/{lead['id']}/convert",
        {"departure_id": departure["id"], "payment_kind": "DEPOSIT"},
        actor=SALES,
    )
    assert status == 201, converted
    booking_id = converted["object"]["id"]
    booking = (await stack.core_get(f"/v1/bookings/{booking_id}"))["booking"]
    assert (booking["state"], booking["customer_phone"]) == ("PAYMENT_PENDING", customer)
    assert converted["result"]["payment_link"]["url"]

    status, link, _ = await stack.back_office(
        f"/v1/bookings/{booking['reference']}/payment-links", {"kind": "FULL"}, actor=MANAGER
    )
    assert status == 201, link
    assert (link["object"]["id"], link["result"]["kind"]) == (booking_id, "FULL")

    # The web command is a command like any other: requested and succeeded are published,
    # with the staff member from the directory and no conversation.
    sita = stack.staff[SALES]
    [requested, result] = await published(stack, quoted["command_id"], REQUESTED, SUCCEEDED)
    assert requested.data["actor"] == {
        "phone": sita["phone"],
        "role": "SALES",
        "user_id": sita["id"],
        "name": sita["name"],
    }
    assert requested.data["conversation_id"] is None
    assert requested.data["args"] == {"lead_id": lead["id"], "departure_id": departure["id"]}
    assert result.data["object"]["id"] == lead["id"]
    assert result.causationid == requested.id
    assert result.correlationid == requested.correlationid


async def test_a_retried_request_gets_the_first_answer(stack: Stack) -> None:
    lead = await stack.lead(a_customer())
    departure = await stack.departure("PKR")
    path, body = f"/v1/leads/{lead['id']}/quotes", {"departure_id": departure["id"]}
    first = await stack.back_office(path, body, actor=SALES, key="quote-1")
    again = await stack.back_office(path, body, actor=SALES, key="quote-1")
    assert (first[0], again[0]) == (201, 201)
    assert again[1] == first[1]
    assert "Idempotent-Replayed" not in first[2]
    assert again[2]["Idempotent-Replayed"] == "true"
    quotes = (await stack.core_get(f"/v1/leads/{lead['id']}/quotes"))["items"]
    assert len(quotes) == 1  # quoted once

    # The same key for another request is refused; another staff member's key is theirs.
    status, reused, _ = await stack.back_office(
        path, {"departure_id": departure["id"], "pax": 3}, actor=SALES, key="quote-1"
    )
    assert (status, reused["error"]["code"]) == (409, "IDEMPOTENCY_KEY_REUSED")
    status, _, _ = await stack.back_office(path, body, actor=MANAGER, key="quote-1")
    assert status == 201

    # A refusal is kept too: the retry gets the same refusal, decided once.
    close = f"/v1/departures/{departure['id']}/close"
    refused = await stack.back_office(close, {}, actor=SALES, key="close-1")
    refused_again = await stack.back_office(close, {}, actor=SALES, key="close-1")
    assert (refused[0], refused[1]) == (refused_again[0], refused_again[1])
    assert refused_again[2]["Idempotent-Replayed"] == "true"
    await stack.tap.settled()
    requests = [e for e in stack.tap.events if e.type == REQUESTED]
    assert len({e.data["command_id"] for e in requests}) == len(requests) == 3


async def test_role_and_object_refusals_are_403_and_audited(stack: Stack) -> None:
    trip = await stack.trip("PKR")
    body = {"staff_id": stack.staff_id(GUIDE), "role": "LEAD_GUIDE", "compensation_amount": "400"}
    status, refused, _ = await stack.back_office(
        f"/v1/trips/{trip['reference']}/assignments", body, actor=SALES
    )
    assert status == 403
    assert refused["error"]["code"] == "FORBIDDEN_ROLE"
    assert refused["error"]["message"] == "Sorry, sales staff can't assign staff to trips."
    command_id = refused["error"]["details"]["command_id"]
    [_, rejected] = await published(stack, command_id, REQUESTED, REJECTED)
    assert rejected.data["code"] == "FORBIDDEN_ROLE"
    assert (await stack.core_get(f"/v1/trips/{trip['id']}"))["trip"]["assignments"] == []

    lead = await stack.lead(a_customer())
    status, refused, _ = await stack.back_office(
        f"/v1/leads/{lead['id']}/lose", {"reason": "Gone quiet"}, actor=OPERATIONS
    )
    assert (status, refused["error"]["code"]) == (403, "FORBIDDEN_ROLE")


async def test_core_refusals_pass_on_with_their_code(stack: Stack) -> None:
    status, body, _ = await stack.back_office(
        f"/v1/leads/{uuid.uuid4()}/quotes", {"departure_id": str(uuid.uuid4())}, actor=SALES
    )
    assert (status, body["error"]["code"]) == (404, "LEAD_NOT_FOUND")
    assert body["error"]["message"] == "Sorry, I couldn't find that enquiry."
    departure = await stack.departure("PKR")
    status, closed, _ = await stack.back_office(f"/v1/departures/{departure['id']}/close", {})
    assert status == 200, closed
    assert closed["result"]["status"] == "CLOSED"
    assert closed["object"] == {
        "type": "DEPARTURE",
        "id": departure["id"],
        "reference": f"PKR {departure['start_date']}",
    }
    status, again, _ = await stack.back_office(f"/v1/departures/{departure['id']}/close", {})
    assert (status, again["error"]["code"]) == (409, "DEPARTURE_INVALID_TRANSITION")
    lead = await stack.lead(a_customer())
    status, body, _ = await stack.back_office(
        f"/v1/leads/{lead['id']}/quotes", {"departure_id": departure["id"]}, actor=SALES
    )
    assert (status, body["error"]["code"]) == (409, "DEPARTURE_CLOSED")


async def test_operations_staff_a_trip_by_departure_and_by_trip(stack: Stack) -> None:
    departure = await stack.departure("PKR")
    body = {"staff_id": stack.staff_id(GUIDE), "role": "LEAD_GUIDE", "compensation_amount": "450"}
    status, assigned, _ = await stack.back_office(
        f"/v1/departures/{departure['id']}/assignments", body
    )
    assert status == 201, assigned
    trip = (await stack.core_get(f"/v1/trips/{assigned['object']['id']}"))["trip"]
    assert trip["departure_id"] == departure["id"]
    assert assigned["object"]["reference"] == trip["reference"]
    assert assigned["result"]["compensation_amount"] == "450.00"
    assert [(a["staff_name"], a["state"]) for a in trip["assignments"]] == [
        ("Pemba Sherpa", "OFFERED")
    ]
    driver = {"staff_id": stack.staff_id("+9779800000005"), "role": "DRIVER"}
    status, by_trip, _ = await stack.back_office(
        f"/v1/trips/{trip['reference'].lower().replace('-', '')}/assignments",
        {**driver, "compensation_amount": "120.50", "currency": "npr"},
        actor=MANAGER,
    )
    assert status == 201, by_trip
    assert (by_trip["result"]["currency"], by_trip["result"]["role"]) == ("NPR", "DRIVER")
    # Pemba already has an offer on those dates: the core's refusal.
    status, clash, _ = await stack.back_office(
        f"/v1/departures/{departure['id']}/assignments", {**body, "role": "GUIDE"}
    )
    assert (status, clash["error"]["code"]) == (409, "STAFF_DOUBLE_BOOKED")


async def test_operations_update_an_incident(stack: Stack) -> None:
    trip = await stack.trip("PKR")
    await stack.crew(trip["id"], GUIDE)
    reported = await stack.ask(
        "ReportIncident", GUIDE, {"trip_ref": trip["reference"], "text": "Ankle"}
    )
    incident_id = reported.data["result"]["incident_id"]
    status, updated, _ = await stack.back_office(
        f"/v1/incidents/{incident_id}/updates",
        {"text": "Porter arranged", "state": "in_progress"},
    )
    assert status == 201, updated
    assert updated["object"] == {"type": "INCIDENT", "id": incident_id, "reference": None}
    assert updated["result"]["state"] == "IN_PROGRESS"
    incident = (await stack.core_get(f"/v1/incidents/{incident_id}"))["incident"]
    assert [u["text"] for u in incident["updates"]] == ["Porter arranged"]
    assert incident["updates"][0]["author"]["user_id"] == stack.staff_id(OPERATIONS)


async def test_a_broadcast_reaches_everyone_holding_seats(stack: Stack) -> None:
    departure = await stack.departure("PKR")
    confirmed = await stack.paid(departure["id"], a_customer())
    held = await stack.booking(departure["id"], a_customer())
    await stack.booking(departure["id"], confirmed["customer_phone"])  # a second booking
    text = "We meet at 9:00 instead of 6:00."
    path = f"/v1/departures/{departure['id']}/broadcast"
    status, body, _ = await stack.back_office(path, {"text": text}, actor=MANAGER)
    assert status == 200, body
    assert body["result"]["recipients"] == 2
    broadcast = await stack.tap.first(
        lambda e: (
            e.type == "waops.broadcast.requested.v1"
            and e.data["broadcast_id"] == body["command_id"]
        ),
        what="the broadcast",
    )
    anil = stack.staff[MANAGER]
    assert broadcast.data == {
        "broadcast_id": body["command_id"],
        "departure_id": departure["id"],
        "tour_code": "PKR",
        "tour_name": "Pokhara Sightseeing",
        "start_date": departure["start_date"],
        "text": text,
        "by": {"user_id": anil["id"], "name": anil["name"]},
        "recipients": [
            {
                "phone": confirmed["customer_phone"],
                "name": confirmed["customer_name"],
                "booking_reference": confirmed["reference"],
            },
            {"phone": held["customer_phone"], "name": None, "booking_reference": held["reference"]},
        ],
    }
    assert broadcast.subject == f"DEPARTURE/{departure['id']}"
    status, body, _ = await stack.back_office(
        f"/v1/departures/{(await stack.departure('PKR'))['id']}/broadcast", {"text": text}
    )
    assert (status, body["error"]["code"]) == (409, "NO_RECIPIENTS")


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_a_core_outage_is_503_and_leaves_nothing_behind(isolated: Isolated) -> None:
    settings = settings_for(
        OrchestratorSettings,
        isolated,
        "orchestrator",
        core_url=f"http://127.0.0.1:{closed_port()}",
        core_retry_attempts=2,
        core_retry_backoff=0.01,
        core_retry_backoff_max=0.02,
        api_token=API_TOKEN,
    )
    staff = StaffUpserted(
        user_id=str(uuid.uuid4()), name="Maya Gurung", phone="+9779800000003", role="OPERATIONS"
    )
    async with (
        running_service(create_app, settings) as client,
        service_db(isolated, "orchestrator") as db,
    ):
        await publish(
            isolated.amqp_url, Envelope.wrap(staff, source="waops/core", tenant_id=TENANT)
        )

        async def known() -> bool:
            return bool(await db.fetchval("SELECT count(*) FROM staff") == 1)

        await eventually(known, what="the staff member in the read model")
        headers = {
            "Authorization": f"Bearer {API_TOKEN}",
            "X-Waops-Tenant": TENANT,
            "X-Waops-Actor-Id": staff.user_id,
            "Idempotency-Key": "close-1",
        }
        resp = await client.post(f"/v1/departures/{uuid.uuid4()}/close", json={}, headers=headers)
        assert resp.status == 503
        assert (await resp.json())["error"]["code"] == "CORE_UNAVAILABLE"
        assert await db.fetchval("SELECT count(*) FROM commands") == 0
        assert await db.fetchval("SELECT count(*) FROM outbox") == 0


async def test_the_office_answers_a_waitlist_offer_for_the_customer(stack: Stack) -> None:
    taken = await stack.offered(a_customer())
    status, body, _ = await stack.back_office(
        f"/v1/waitlist/{taken['waitlist']['entry_id']}/confirm", {"booking_id": taken["id"]}
    )
    assert status == 200, body
    assert (body["object"]["id"], body["result"]["state"]) == (taken["id"], "HELD")
    assert (await stack.core_get(f"/v1/bookings/{taken['id']}"))["booking"]["state"] == "HELD"

    let_go = await stack.offered(a_customer())
    path = f"/v1/waitlist/{let_go['waitlist']['entry_id']}/decline"
    status, body, _ = await stack.back_office(path, {}, actor=GUIDE)  # field staff may not
    assert (status, body["error"]["code"]) == (403, "FORBIDDEN_ROLE")
    status, body, _ = await stack.back_office(path, {}, actor=SALES)
    assert (status, body["result"]["state"]) == (200, "CANCELLED"), body
    status, body, _ = await stack.back_office(path, {"colour": "red"}, actor=SALES)
    assert (status, body["error"]["code"]) == (422, "INVALID_REQUEST")
