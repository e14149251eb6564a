"""The notifier on real PostgreSQL and RabbitMQ, sending through the Meta provider to the
sandbox (our Graph API stand-in, speaking Meta's wire format)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer
from notifier.bootstrap import create_app
from notifier.settings import NotifierSettings
from waops_contracts import Envelope
from waops_contracts.events import Actor, CommandRejected, LeadCreated, SalesRep
from waops_sandbox import SandboxConfig, create_sandbox_app
from waops_testing.plugin import Isolated
from waops_testing.poll import eventually
from waops_testing.services import (
    EventTap,
    consumed,
    publish,
    running_service,
    service_db,
    settings_for,
)

pytestmark = pytest.mark.integration
CUSTOMER = "+9779841234567"
REP = "+9779800000001"
TOKEN = "test-token"


@pytest_asyncio.fixture
async def graph() -> AsyncIterator[TestClient[Any, Any]]:
    app = create_sandbox_app(
        SandboxConfig(
            access_token=TOKEN,
            app_secret="s",
            phone_number_id="109876543210",
            display_phone_number="+977 1 5550100",
        )
    )
    client: TestClient[Any, Any] = TestClient(TestServer(app))
    await client.start_server()
    yield client
    await client.close()


def settings(isolated: Isolated, graph: TestClient[Any, Any], **extra: Any) -> NotifierSettings:
    return settings_for(
        NotifierSettings,
        isolated,
        "notifier",
        meta_graph_url=str(graph.make_url("")).rstrip("/"),
        meta_access_token=extra.pop("token", TOKEN),
        **extra,
    )


def lead_created(
    lead_id: str = "lead-1", traceparent: str | None = None, *, assigned: bool = True
) -> Envelope:
    """A new lead; ``assigned=False`` leaves out the sales rep, so only the customer is told."""
    return Envelope.wrap(
        LeadCreated(
            lead_id=lead_id,
            reference="EBC2501234",
            state="NEW",
            tour_name="Everest Base Camp Trek",
            pax=3,
            travel_month="2025-03",
            customer_phone=CUSTOMER,
            customer_name="Asha",
            assigned_to=SalesRep(user_id="u1", name="Sita Sharma", phone=REP) if assigned else None,
            channel_id="109876543210",
        ),
        source="waops/core",
        tenant_id="demo",
        subject=f"LEAD/{lead_id}",
        traceparent=traceparent,
    )


async def sent(graph: TestClient[Any, Any], count: int) -> list[dict[str, Any]]:
    async def enough() -> list[dict[str, Any]] | None:
        got: list[dict[str, Any]] = await (await graph.get("/_sandbox/sent")).json()
        return got if len(got) >= count else None

    return await eventually(enough, what=f"{count} sends at the Graph API")


def duplicates_seen() -> float:
    return consumed("notifier.notifications", LeadCreated.event_type, "duplicate")


async def test_a_new_lead_is_acknowledged_and_its_rep_told_once(
    isolated: Isolated, graph: Any
) -> None:
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    created = lead_created(traceparent=f"00-{trace_id}-00f067aa0ba902b7-01")
    before = duplicates_seen()
    async with (
        EventTap(isolated.amqp_url, "waops.message.#") as tap,
        running_service(create_app, settings(isolated, graph)),
    ):
        await publish(isolated.amqp_url, created, created)  # a duplicate delivery
        messages = await sent(graph, 2)
        events = await tap.wait_for("waops.message.sent.v1", 2)

        async def duplicate_handled() -> bool:
            return duplicates_seen() > before

        await eventually(duplicate_handled, what="the duplicate to be handled")

    by_phone = {m["to"]: m for m in messages}
    assert set(by_phone) == {CUSTOMER.lstrip("+"), REP.lstrip("+")}
    message = by_phone[CUSTOMER.lstrip("+")]
    assert message["request"]["type"] == "text"
    assert message["request"]["messaging_product"] == "whatsapp"
    body = message["request"]["text"]["body"]
    assert "EBC2501234" in body and "Sita Sharma" in body and "March 2025" in body
    assert "which dates in March 2025 suit you best?" in body
    assert "how many people" not in body  # the enquiry said 3
    rep_body = by_phone[REP.lstrip("+")]["request"]["text"]["body"]
    assert rep_body.startswith("New enquiry *EBC2501234* from Asha (+9779841234567)")
    [event] = [e for e in events if e.data["to_phone"] == CUSTOMER]
    assert event.data["provider_message_id"] == message["id"]
    assert event.data["about"] == {"type": "LEAD", "id": "lead-1", "reference": "EBC2501234"}
    assert event.causationid == created.id
    assert event.subject == "LEAD/lead-1"
    # The send, though made later by the dispatcher, joins the trace of the lead's event.
    assert message["traceparent"].split("-")[1] == trace_id
    assert event.traceparent is not None and event.traceparent.split("-")[1] == trace_id
    assert len(await (await graph.get("/_sandbox/sent")).json()) == 2


async def test_a_refused_command_is_explained_to_the_sender(isolated: Isolated, graph: Any) -> None:
    refusal = Envelope.wrap(
        CommandRejected(
            command_id="c1",
            name="AssignStaff",
            actor=Actor(phone=CUSTOMER, role="CUSTOMER"),
            conversation_id="conv-1",
            code="FORBIDDEN_ROLE",
            reason="customers may not assign staff.",
        ),
        source="waops/orchestrator",
        tenant_id="demo",
    )
    async with running_service(create_app, settings(isolated, graph)):
        await publish(isolated.amqp_url, refusal)
        [message] = await sent(graph, 1)
    assert "customers may not assign staff" in message["request"]["text"]["body"]


async def test_transient_provider_errors_are_retried(isolated: Isolated, graph: Any) -> None:
    await graph.post("/_sandbox/faults", json={"status": 503, "times": 1})
    async with running_service(create_app, settings(isolated, graph)):
        await publish(isolated.amqp_url, lead_created(assigned=False))
        [message] = await sent(graph, 1)
    assert "EBC2501234" in message["request"]["text"]["body"]
    assert (await (await graph.get("/_sandbox/faults")).json()) == []


async def test_a_message_outside_the_window_fails_without_retrying(
    isolated: Isolated, graph: Any
) -> None:
    await graph.post("/_sandbox/faults", json={"error_code": 131047, "times": 5})
    async with (
        EventTap(isolated.amqp_url, "waops.message.#") as tap,
        running_service(create_app, settings(isolated, graph)),
    ):
        await publish(isolated.amqp_url, lead_created(assigned=False))
        [failed] = await tap.wait_for("waops.message.failed.v1")
    assert failed.data["error_code"] == 131047
    faults = await (await graph.get("/_sandbox/faults")).json()
    assert faults[0]["times"] == 4  # tried exactly once


async def test_a_bad_token_halts_the_channel_and_the_message_waits(
    isolated: Isolated, graph: Any
) -> None:
    """190 (token expired) needs a human: the channel pauses, the message stays queued
    (not failed, its attempt not counted) until the channel is resumed."""
    async with (
        EventTap(isolated.amqp_url, "waops.message.#") as tap,
        running_service(create_app, settings(isolated, graph, token="wrong")) as notifier,
    ):
        await publish(isolated.amqp_url, lead_created(assigned=False))

        async def halted() -> dict[str, Any] | None:
            body = await (await notifier.get("/v1/channels/109876543210")).json()
            return body["channel"] if body["channel"]["halted"] else None

        channel = await eventually(halted, what="the channel to halt")
        assert channel["halt"]["code"] == 190 and channel["waiting"] == 1
        async with service_db(isolated, "notifier") as db:
            row = await db.fetchrow("SELECT status, attempts FROM outbound_messages")
        assert (row["status"], row["attempts"]) == ("queued", 0)
        async with service_db(isolated, "notifier") as db:
            await eventually(lambda: _outbox_empty(db), what="the outbox to drain")
        assert [e for e in await tap.settled() if e.type == "waops.message.failed.v1"] == []
    assert (await (await graph.get("/_sandbox/sent")).json()) == []


async def _outbox_empty(db: Any) -> bool:
    return bool(await db.fetchval("SELECT count(*) = 0 FROM outbox WHERE published_at IS NULL"))
