"""The orchestrator on real PostgreSQL and RabbitMQ, driving a fake core over HTTP."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from orchestrator.bootstrap import create_app
from orchestrator.settings import OrchestratorSettings
from waops_contracts import Envelope, new_event_id, stable_event_id
from waops_contracts.events import Actor, CommandRequested
from waops_testing.plugin import Isolated
from waops_testing.poll import eventually
from waops_testing.services import (
    EventTap,
    publish,
    running_service,
    service_db,
    settings_for,
)

pytestmark = pytest.mark.integration

TENANT = {"X-Waops-Tenant": "demo"}
CHANNEL = "109876543210"
CUSTOMER = "+9779841234567"
GUIDE = "+9779800000009"
CONVERSATION = "0c7e2f9a-3b1d-4e5f-8a9b-0c1d2e3f4a5b"
ENQUIRY = "Hi! I'm interested in the Everest Base Camp Trek for 3 people in March 2025"
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
SUCCEEDED = "waops.command.succeeded.v1"
REJECTED = "waops.command.rejected.v1"


def requested(
    name: str = "CreateLead",
    *,
    role: str = "CUSTOMER",
    phone: str = CUSTOMER,
    args: dict[str, Any] | None = None,
) -> Envelope:
    """A CommandRequested as the conversation engine publishes it."""
    return Envelope.wrap(
        CommandRequested(
            command_id=new_event_id(),
            name=name,
            actor=Actor(phone=phone, role=role, name="Asha"),  # type: ignore[arg-type]
            conversation_id=CONVERSATION,
            channel_id=CHANNEL,
            args=args
            if args is not None
            else {"tour_code": "EBC", "pax": 3, "travel_month": "2025-03", "travel_date": None},
            source_text=ENQUIRY,
        ),
        source="waops/conversation-engine",
        tenant_id="demo",
        subject=f"CONVERSATION/{CONVERSATION}",
        partition_key=f"{CHANNEL}:{phone}",
        traceparent=f"00-{TRACE_ID}-00f067aa0ba902b7-01",
    )


def command_id(env: Envelope) -> str:
    return str(env.data["command_id"])


async def result_of(tap: EventTap, cmd_id: str) -> Envelope:
    """The first result (succeeded or rejected) the orchestrator published for a command."""
    return await tap.first(
        lambda e: command_id(e) == cmd_id, what=f"the result of command {cmd_id}"
    )


async def results_of(tap: EventTap, cmd_id: str) -> list[Envelope]:
    """Every result of a command routed to the tap so far (exact once the outbox has drained)."""
    return [e for e in await tap.settled() if command_id(e) == cmd_id]


@contextlib.asynccontextmanager
async def orchestrator(
    iso: Isolated, core_url: str
) -> AsyncIterator[tuple[Any, EventTap, asyncpg.Connection]]:
    settings = settings_for(
        OrchestratorSettings,
        iso,
        "orchestrator",
        core_url=core_url,
        core_timeout=2.0,
        core_retry_backoff=0.01,
        core_retry_backoff_max=0.05,
    )
    async with (
        EventTap(iso.amqp_url, SUCCEEDED, REJECTED) as tap,
        running_service(create_app, settings) as client,
        service_db(iso, "orchestrator") as db,
    ):
        yield client, tap, db


async def get_command(client: Any, cmd_id: str, headers: dict[str, str] = TENANT) -> Any:
    return await client.get(f"/v1/commands/{cmd_id}", headers=headers)


async def test_a_customer_enquiry_becomes_a_lead(isolated: Isolated, fake_core: Any) -> None:
    async with orchestrator(isolated, fake_core.url) as (client, tap, _):
        env = requested()
        await publish(isolated.amqp_url, env)
        result = await result_of(tap, command_id(env))

        assert result.type == SUCCEEDED
        [lead] = fake_core.leads.values()
        assert result.data["object"] == {
            "type": "LEAD",
            "id": lead["id"],
            "reference": lead["reference"],
        }
        assert result.data["result"] == {"state": "NEW", "assigned_to": lead["assigned_to"]}
        assert result.data["actor"]["phone"] == CUSTOMER
        assert result.data["conversation_id"] == CONVERSATION
        assert result.data["channel_id"] == CHANNEL
        assert result.data["source_text"] == ENQUIRY
        assert result.subject == f"LEAD/{lead['id']}"
        assert result.partitionkey == f"{CHANNEL}:{CUSTOMER}"
        assert (result.causationid, result.correlationid) == (env.id, env.correlationid)
        assert result.traceparent is not None and TRACE_ID in result.traceparent

        [call] = fake_core.requests
        assert call.headers["Idempotency-Key"] == command_id(env)
        assert call.headers["X-Waops-Tenant"] == "demo"
        assert call.headers["X-Correlation-Id"] == env.correlationid
        assert call.headers["X-Causation-Id"] == env.id
        assert call.headers["X-Waops-Actor-Id"] == CUSTOMER
        assert call.headers["X-Waops-Actor-Role"] == "CUSTOMER"
        assert call.headers["traceparent"].split("-")[1] == TRACE_ID  # same trace
        assert call.body == {
            "tour_code": "EBC",
            "pax": 3,
            "travel_month": "2025-03",
            "customer_phone": CUSTOMER,
            "customer_name": "Asha",
            "conversation_id": CONVERSATION,
            "channel_id": CHANNEL,
            "enquiry_text": ENQUIRY,
        }

        resp = await get_command(client, command_id(env))
        assert resp.status == 200
        command = (await resp.json())["command"]
        assert command["status"] == "succeeded"
        assert command["name"] == "CreateLead"
        assert command["object"]["id"] == lead["id"]
        assert command["actor"]["role"] == "CUSTOMER"
        assert command["args"]["tour_code"] == "EBC"
        assert command["correlation_id"] == env.correlationid
        assert command["decided_at"] is not None

        other = await get_command(client, command_id(env), {"X-Waops-Tenant": "other"})
        assert other.status == 404
        assert (await other.json())["error"]["code"] == "COMMAND_NOT_FOUND"
        missing = await client.get(f"/v1/commands/{command_id(env)}")
        assert missing.status == 400
        assert (await missing.json())["error"]["code"] == "TENANT_REQUIRED"


async def test_the_same_command_twice_makes_one_lead_and_one_result(
    isolated: Isolated, fake_core: Any
) -> None:
    async with orchestrator(isolated, fake_core.url) as (_, tap, db):
        env = requested()
        # The same event twice, and the same command under a new event id.
        again = env.model_copy(update={"id": new_event_id()})
        await publish(isolated.amqp_url, env, env, again)

        async def all_handled() -> bool:
            claimed = await db.fetchval("SELECT count(*) FROM inbox")
            unpublished = await db.fetchval(
                "SELECT count(*) FROM outbox WHERE published_at IS NULL"
            )
            return claimed == 2 and unpublished == 0

        await eventually(all_handled, what="both events handled and the outbox published")
        results = await results_of(tap, command_id(env))
        assert [r.type for r in results] == [SUCCEEDED]
        assert results[0].id == stable_event_id("command.result", command_id(env))
        assert len(fake_core.leads) == 1
        assert len(fake_core.requests) == 1
        assert await db.fetchval("SELECT count(*) FROM commands") == 1


async def test_refusals_by_role_name_or_arguments_never_reach_the_core(
    isolated: Isolated, fake_core: Any
) -> None:
    async with orchestrator(isolated, fake_core.url) as (client, tap, _):
        by_guide = requested(role="FIELD_STAFF", phone=GUIDE)
        unknown = requested("LaunchRocket", role="MANAGER", args={})
        unreadable = requested("SendQuote", role="SALES", args={"lead": "EBC2500001"})
        await publish(isolated.amqp_url, by_guide, unknown, unreadable)

        refused = await result_of(tap, command_id(by_guide))
        assert refused.type == REJECTED
        assert refused.data["code"] == "FORBIDDEN_ROLE"
        assert refused.data["reason"] == "Sorry, field staff can't register enquiries."
        assert refused.data["channel_id"] == CHANNEL
        assert refused.data["conversation_id"] == CONVERSATION
        assert refused.subject == f"CONVERSATION/{CONVERSATION}"
        assert refused.partitionkey == f"{CHANNEL}:{GUIDE}"

        assert (await result_of(tap, command_id(unknown))).data["code"] == "UNKNOWN_COMMAND"
        refused = await result_of(tap, command_id(unreadable))
        assert refused.data["code"] == "INVALID_ARGUMENTS"
        assert refused.data["reason"] == (
            "Sorry, I couldn't read that request (departure_id, lead_id)."
        )
        assert fake_core.requests == []

        command = (await (await get_command(client, command_id(by_guide))).json())["command"]
        assert (command["status"], command["code"]) == ("rejected", "FORBIDDEN_ROLE")
        assert command["object"] is None


async def test_a_refusal_by_the_core_rejects_the_command(
    isolated: Isolated, fake_core: Any
) -> None:
    async with orchestrator(isolated, fake_core.url) as (client, tap, _):
        env = requested(args={"tour_code": "XYZ", "pax": 2})
        await publish(isolated.amqp_url, env)

        result = await result_of(tap, command_id(env))
        assert result.type == REJECTED
        assert result.data["code"] == "UNKNOWN_TOUR"
        assert result.data["reason"] == "Sorry, I couldn't find that tour in our catalogue."
        assert len(fake_core.requests) == 1  # a business refusal is not retried
        command = (await (await get_command(client, command_id(env))).json())["command"]
        assert (command["status"], command["code"]) == ("rejected", "UNKNOWN_TOUR")


async def test_transient_core_failures_are_retried_with_the_same_key(
    isolated: Isolated, fake_core: Any
) -> None:
    async with orchestrator(isolated, fake_core.url) as (_, tap, _):
        fake_core.fail_next(503, 503)
        env = requested()
        await publish(isolated.amqp_url, env)

        result = await result_of(tap, command_id(env))
        assert result.type == SUCCEEDED
        keys = [r.headers["Idempotency-Key"] for r in fake_core.requests]
        assert keys == [command_id(env)] * 3
        assert len(fake_core.leads) == 1


async def test_an_outage_longer_than_the_retries_delays_the_command_instead_of_rejecting_it(
    isolated: Isolated, fake_core: Any
) -> None:
    async with orchestrator(isolated, fake_core.url) as (_, tap, db):
        # Three attempts fail on the first delivery; the broker redelivers the command.
        fake_core.fail_next(503, 503, 503, 504)
        env = requested()
        await publish(isolated.amqp_url, env)

        result = await result_of(tap, command_id(env))
        assert result.type == SUCCEEDED
        assert [r.type for r in await results_of(tap, command_id(env))] == [SUCCEEDED]
        assert len(fake_core.requests_for(command_id(env))) == 5
        assert len(fake_core.leads) == 1
        status = await db.fetchval(
            "SELECT status FROM commands WHERE command_id = $1", command_id(env)
        )
        assert status == "succeeded"
