"""The conversation engine on real PostgreSQL and RabbitMQ: messages in, commands out."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from conversation_engine.bootstrap import create_app
from waops_contracts import Envelope, new_event_id, stable_event_id
from waops_contracts.events import (
    CommandRequested,
    CommandSucceeded,
    ObjectRef,
    StaffUpserted,
    TourUpserted,
)
from waops_testing.plugin import Isolated
from waops_testing.poll import eventually
from waops_testing.services import EventTap, publish, running_service, service_db

sys.path.insert(0, str(Path(__file__).parent))  # the tests' shared helpers (importlib mode)
from conversation_support import (
    CHANNEL,
    CUSTOMER,
    SENT_AT,
    TENANT,
    engine_settings,
    from_core,
    get_json,
    received,
    sealer,
)

pytestmark = pytest.mark.integration

SALES = "+9779800000001"
ENQUIRY = "Hi! I'm interested in the Everest Base Camp Trek for 3 people in March 2025"


async def test_an_enquiry_becomes_one_create_lead_and_the_lead_binds_the_conversation(
    isolated: Isolated,
) -> None:
    settings = engine_settings(isolated)
    async with (
        EventTap(
            isolated.amqp_url,
            "waops.command.requested.v1",
            "waops.conversation.opened.v1",
            "waops.conversation.bound.v1",
        ) as tap,
        running_service(create_app, settings) as client,
        service_db(isolated, "conversation_engine") as db,
    ):
        await publish(
            isolated.amqp_url,
            from_core(
                TourUpserted(
                    tour_id="tour-ebc",
                    code="EBC",
                    name="Everest Base Camp Trek",
                    aliases=["EBC", "Everest trek", "Everest base camp"],
                ),
                "TOUR/tour-ebc",
            ),
            from_core(
                StaffUpserted(user_id="u-1", name="Sita Sharma", phone=SALES, role="SALES"),
                "STAFF/u-1",
            ),
        )

        async def read_models_loaded() -> list[dict[str, Any]] | None:
            tours: list[dict[str, Any]] = (await get_json(client, "/v1/catalogue"))["tours"]
            actors = await db.fetchval("SELECT count(*) FROM actors WHERE role = 'SALES'")
            return tours if tours and actors == 1 else None

        [tour] = await eventually(read_models_loaded, what="the directory and catalogue")
        assert (tour["code"], tour["aliases"]) == (
            "EBC",
            ["EBC", "Everest trek", "Everest base camp"],
        )

        enquiry = received(ENQUIRY, provider_message_id="wamid.enquiry-1")
        # The same event twice, and the provider's retry of the message under a new event id.
        retried = enquiry.model_copy(update={"id": new_event_id()})
        await publish(isolated.amqp_url, enquiry, enquiry, retried)

        [opened, *_] = await tap.wait_for("waops.conversation.opened.v1")
        assert opened.data["actor_role"] == "CUSTOMER"
        conversation_id = opened.data["conversation_id"]

        [command_env, *_] = await tap.wait_for("waops.command.requested.v1")
        command = CommandRequested.model_validate(command_env.data)
        assert command.name == "CreateLead"
        assert command.command_id == stable_event_id("command", enquiry.id)
        assert command.args["tour_code"] == "EBC"
        assert command.args["pax"] == 3
        assert command.args["travel_month"] == "2025-03"
        assert command.actor.role == "CUSTOMER"
        assert command.actor.phone == CUSTOMER
        assert command.actor.name == "Asha"
        assert command.conversation_id == conversation_id
        assert command.channel_id == CHANNEL
        assert command.source_text == ENQUIRY
        assert command_env.subject == f"CONVERSATION/{conversation_id}"
        assert command_env.partitionkey == f"{CHANNEL}:{CUSTOMER}"
        assert command_env.causationid == enquiry.id

        # A later message on the same (ordered) partition: once it is recorded, the
        # duplicates before it have been handled too.
        await publish(
            isolated.amqp_url,
            received(
                "Thanks!",
                provider_message_id="wamid.thanks-1",
                sent_at=SENT_AT + timedelta(minutes=1),
            ),
        )

        async def two_messages() -> list[dict[str, Any]] | None:
            body = await get_json(client, f"/v1/conversations/{conversation_id}")
            messages = body["conversation"]["messages"]
            return messages if len(messages) == 2 else None

        messages = await eventually(two_messages, what="the thank-you message")
        assert [m["body"] for m in messages] == [ENQUIRY, "Thanks!"]
        assert (
            await db.fetchval(
                "SELECT count(*) FROM outbox WHERE routing_key = 'waops.command.requested.v1'"
            )
            == 1
        )

        # Staff writing the same words are not customers enquiring: no CreateLead.
        await publish(
            isolated.amqp_url,
            received(ENQUIRY, provider_message_id="wamid.sales-1", phone=SALES, name="Sita"),
        )

        async def sales_conversation() -> list[dict[str, Any]] | None:
            body = await get_json(client, f"/v1/conversations?phone={SALES.replace('+', '%2B')}")
            return body["conversations"] or None

        [staff_conversation] = await eventually(sales_conversation, what="the staff conversation")
        assert staff_conversation["actor_role"] == "SALES"
        assert (
            await db.fetchval(
                "SELECT count(*) FROM outbox WHERE routing_key = 'waops.command.requested.v1'"
            )
            == 1
        )

        lead = ObjectRef(type="LEAD", id="lead-1", reference="EBC2501234")
        succeeded = Envelope.wrap(
            CommandSucceeded(
                command_id=command.command_id,
                name="CreateLead",
                actor=command.actor,
                conversation_id=conversation_id,
                object=lead,
                result={"state": "NEW"},
                source_text=ENQUIRY,
            ),
            source="waops/orchestrator",
            tenant_id="demo",
            subject="LEAD/lead-1",
            causation=command_env,
        )
        await publish(isolated.amqp_url, succeeded, succeeded)

        async def bound() -> dict[str, Any] | None:
            body = await get_json(client, f"/v1/conversations/{conversation_id}")
            bound_object: dict[str, Any] | None = body["conversation"]["bound_object"]
            return bound_object

        assert await eventually(bound, what="the binding") == {
            "type": "LEAD",
            "id": "lead-1",
            "reference": "EBC2501234",
        }

        [bound_env, *_] = await tap.wait_for("waops.conversation.bound.v1")
        assert bound_env.subject == f"CONVERSATION/{conversation_id}"
        assert bound_env.data["object"] == lead.model_dump(mode="json")
        assert bound_env.partitionkey == f"{CHANNEL}:{CUSTOMER}"
        assert bound_env.correlationid == enquiry.correlationid

        # Every staged event is published, and nothing made a second command.
        async def all_published() -> bool:
            pending = await db.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL")
            return bool(pending == 0)

        await eventually(all_published, what="the outbox to drain")
        await tap.settled()
        assert tap.of_type("waops.command.requested.v1") == [command_env]
        assert tap.of_type("waops.conversation.bound.v1") == [bound_env]

        # The API: errors are JSON 4xx, and tenants do not see each other's conversations.
        other = await client.get(
            f"/v1/conversations/{conversation_id}", headers={"X-Waops-Tenant": "other"}
        )
        assert other.status == 404
        assert (await other.json())["error"]["code"] == "CONVERSATION_NOT_FOUND"
        bad = await client.get("/v1/conversations/not-a-uuid", headers=TENANT)
        assert bad.status == 400
        assert (await bad.json())["error"]["code"] == "BAD_CONVERSATION_ID"
        no_tenant = await client.get(f"/v1/conversations/{conversation_id}")
        assert no_tenant.status == 400


async def test_one_phones_messages_are_recorded_in_publish_order(isolated: Isolated) -> None:
    settings = engine_settings(isolated)
    texts = [f"message {i}" for i in range(20)]
    envelopes = [
        received(text, provider_message_id=f"wamid.order-{i}", sent_at=SENT_AT)
        for i, text in enumerate(texts)
    ]
    async with (
        running_service(create_app, settings) as client,
        service_db(isolated, "conversation_engine") as db,
    ):
        await publish(isolated.amqp_url, *envelopes)

        async def all_recorded() -> bool:
            return bool(await db.fetchval("SELECT count(*) FROM messages") == len(texts))

        await eventually(all_recorded, what="20 recorded messages")
        rows = await db.fetch("SELECT body_sealed FROM messages ORDER BY received_at, id")
        assert [sealer().unseal(r["body_sealed"]) for r in rows] == texts
        [conversation] = (
            await get_json(client, f"/v1/conversations?phone={CUSTOMER.replace('+', '%2B')}")
        )["conversations"]
        full = await get_json(client, f"/v1/conversations/{conversation['id']}")
        assert [m["body"] for m in full["conversation"]["messages"]] == texts


async def test_a_message_after_the_window_starts_a_new_conversation(isolated: Isolated) -> None:
    settings = engine_settings(isolated)
    first = received("Hello", provider_message_id="wamid.day-1")
    next_day = received(
        "Hello again",
        provider_message_id="wamid.day-2",
        sent_at=SENT_AT + timedelta(hours=25),
        name=None,
    )
    async with running_service(create_app, settings) as client:
        await publish(isolated.amqp_url, first, next_day)

        async def two_conversations() -> list[dict[str, Any]] | None:
            path = f"/v1/conversations?phone={CUSTOMER.replace('+', '%2B')}&channel_id={CHANNEL}"
            found: list[dict[str, Any]] = (await get_json(client, path))["conversations"]
            return found if len(found) == 2 else None

        newer, older = await eventually(two_conversations, what="a second conversation")
        assert older["state"] == "EXPIRED"
        assert newer["state"] == "OPEN"
        assert newer["previous_conversation_id"] == older["id"]
        assert newer["actor_role"] == "CUSTOMER"
        assert newer["profile_name"] == "Asha"  # still known, though the message had no name
        assert newer["expires_at"] == (SENT_AT + timedelta(hours=49)).isoformat()


async def test_a_tapped_reply_is_understood_like_typed_text(isolated: Isolated) -> None:
    """A list row or button the customer taps arrives as its title in ``text``: it is what
    they said. A reaction (an emoji on a message) is recorded but is no enquiry."""
    settings = engine_settings(isolated)
    async with (
        EventTap(isolated.amqp_url, "waops.command.requested.v1") as tap,
        running_service(create_app, settings) as client,
        service_db(isolated, "conversation_engine") as db,
    ):
        tour = TourUpserted(tour_id="tour-ebc", code="EBC", name="Everest Base Camp Trek")
        await publish(isolated.amqp_url, from_core(tour, "TOUR/tour-ebc"))

        async def catalogue_loaded() -> bool:
            return bool((await get_json(client, "/v1/catalogue"))["tours"])

        await eventually(catalogue_loaded, what="the catalogue")
        await publish(
            isolated.amqp_url,
            received("👍", provider_message_id="wamid.reaction-1", kind="reaction"),
            received(
                "Everest Base Camp Trek, 2 people in April 2026",
                provider_message_id="wamid.list-1",
                kind="list_reply",
            ),
        )
        [command_env] = await tap.wait_for("waops.command.requested.v1")
        command = CommandRequested.model_validate(command_env.data)
        assert (command.args["tour_code"], command.args["pax"]) == ("EBC", 2)
        assert command_env.causationid == stable_event_id("sandbox", "wamid.list-1")
        kinds = await db.fetch("SELECT kind FROM messages ORDER BY received_at, id")
        assert [k["kind"] for k in kinds] == ["reaction", "list_reply"]
        await tap.settled()
        assert len(tap.of_type("waops.command.requested.v1")) == 1
