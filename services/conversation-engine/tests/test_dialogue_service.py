"""The dialogue on real PostgreSQL and RabbitMQ: messages and domain events in, commands and
replies out, the context kept across messages, events and expired conversations."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from conversation_engine.bootstrap import create_app
from waops_contracts import stable_event_id
from waops_contracts.events import (
    AssignmentOffered,
    BookingHeld,
    CommandRequested,
    LeadCreated,
    QuoteSent,
    StaffUpserted,
    TourUpserted,
    WaitlistConfirmed,
    WaitlistOffered,
)
from waops_contracts.registry import EXAMPLES
from waops_testing.plugin import Isolated
from waops_testing.poll import eventually
from waops_testing.services import EventTap, publish, running_service, service_db

sys.path.insert(0, str(Path(__file__).parent))  # the tests' shared helpers (importlib mode)
from conversation_support import (
    CHANNEL,
    CUSTOMER,
    SENT_AT,
    context_when,
    engine_settings,
    from_core,
    get_json,
    phone_query,
    received,
    replies_to,
)

pytestmark = pytest.mark.integration

GUIDE = "+9779800000004"
REPLY = "waops.conversation.reply_requested.v1"
COMMAND = "waops.command.requested.v1"
EVEREST = TourUpserted(
    tour_id="tour-ebc",
    code="EBC",
    name="Everest Base Camp Trek",
    aliases=["EBC", "Everest base camp", "Everest trek"],
)


def example(event_type: str, **changes: Any) -> dict[str, Any]:
    return {**EXAMPLES[event_type], **changes}


async def catalogue_loaded(client: Any, isolated: Isolated) -> None:
    await publish(isolated.amqp_url, from_core(EVEREST, "TOUR/tour-ebc"))

    async def loaded() -> bool:
        return bool((await get_json(client, "/v1/catalogue"))["tours"])

    await eventually(loaded, what="the catalogue")


def commands(tap: EventTap) -> list[CommandRequested]:
    return [CommandRequested.model_validate(e.data) for e in tap.of_type(COMMAND)]


async def test_a_customer_is_led_through_an_enquiry_in_several_messages(
    isolated: Isolated,
) -> None:
    texts = ["Hi", "1", "Everest base camp", "3", "in March"]
    messages = [
        received(
            text, provider_message_id=f"wamid.dialogue-{i}", sent_at=SENT_AT + timedelta(minutes=i)
        )
        for i, text in enumerate(texts)
    ]
    async with (
        EventTap(isolated.amqp_url, REPLY, COMMAND) as tap,
        running_service(create_app, engine_settings(isolated)) as client,
        service_db(isolated, "conversation_engine") as db,
    ):
        await catalogue_loaded(client, isolated)
        # The last message twice: a redelivery asks for nothing more.
        await publish(isolated.amqp_url, *messages, messages[-1])

        [command_env] = await tap.wait_for(COMMAND)
        await tap.wait_for(REPLY, count=4)
        replies = replies_to(tap, CUSTOMER)
        assert [r["template"] for r in replies] == [
            "dialogue.menu",
            "dialogue.ask_tour",
            "dialogue.ask_pax",
            "dialogue.ask_month",
        ]
        assert replies[0]["variables"]["name_part"] == ", Asha"
        assert replies[2]["variables"]["tour_name"] == "Everest Base Camp Trek"
        assert [r["in_reply_to"] for r in replies] == [f"wamid.dialogue-{i}" for i in range(4)]
        assert {(r["channel_id"], r["language"]) for r in replies} == {(CHANNEL, "en")}

        command = CommandRequested.model_validate(command_env.data)
        assert command.name == "CreateLead"
        assert command.args == {
            "tour_code": "EBC",
            "pax": 3,
            "travel_month": "2025-03",
            "travel_date": None,
        }
        assert command.command_id == stable_event_id("command", messages[-1].id)
        assert command.source_text == "Everest base camp\n3\nin March"
        assert command_env.partitionkey == f"{CHANNEL}:{CUSTOMER}"
        assert command.conversation_id == replies[0]["conversation_id"]

        context = await context_when(client, CUSTOMER, lambda c: c["dialogue_state"] == "menu")
        assert "enquiry" not in context["dialogue_data"]
        assert (context["channel_id"], context["name"]) == (CHANNEL, "Asha")

        async def drained() -> bool:
            pending = await db.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL")
            return bool(pending == 0)

        await eventually(drained, what="the outbox to drain")
        await tap.settled()
        assert len(tap.of_type(COMMAND)) == 1
        assert len(replies_to(tap, CUSTOMER)) == 4


async def test_events_keep_the_context_and_the_customer_answers_them(
    isolated: Isolated,
) -> None:
    lead = LeadCreated.model_validate(example("waops.lead.created.v1", customer_phone=CUSTOMER))
    quote = QuoteSent.model_validate(example("waops.quote.sent.v1", customer_phone=CUSTOMER))
    held = BookingHeld.model_validate(
        example("waops.booking.held.v1", customer_phone=CUSTOMER, lead_id=quote.lead_id)
    )
    async with (
        EventTap(isolated.amqp_url, REPLY, COMMAND) as tap,
        running_service(create_app, engine_settings(isolated)) as client,
    ):
        # Never wrote yet: the context is made from the events alone.
        await publish(isolated.amqp_url, from_core(lead, f"LEAD/{lead.lead_id}"))
        bound = await context_when(client, CUSTOMER, lambda c: c["bound_object"] is not None)
        assert bound["bound_object"] == {
            "type": "LEAD",
            "id": lead.lead_id,
            "reference": lead.reference,
        }
        assert bound["name"] == "Asha"

        await publish(isolated.amqp_url, from_core(quote, f"LEAD/{quote.lead_id}"))
        offered = await context_when(
            client, CUSTOMER, lambda c: c["dialogue_state"] == "quote_offered"
        )
        assert offered["dialogue_data"]["quote"]["departure_id"] == quote.departure_id
        assert offered["dialogue_data"]["quote"]["rep_name"] == "Sita Sharma"

        await publish(isolated.amqp_url, received("YES", provider_message_id="wamid.yes-1"))
        [accept_env] = await tap.wait_for(COMMAND)
        accept = CommandRequested.model_validate(accept_env.data)
        assert (accept.name, accept.args) == ("AcceptQuote", {"lead_id": quote.lead_id})
        assert (accept.actor.role, accept.actor.phone, accept.actor.name) == (
            "CUSTOMER",
            CUSTOMER,
            "Asha",
        )

        await publish(isolated.amqp_url, from_core(held, f"BOOKING/{held.booking_id}"))
        booked = await context_when(client, CUSTOMER, lambda c: c["dialogue_state"] == "booking")
        assert booked["bound_object"]["reference"] == held.reference
        assert booked["dialogue_data"]["quote"]["open"] is False

        later = SENT_AT + timedelta(minutes=5)
        await publish(
            isolated.amqp_url,
            received("status", provider_message_id="wamid.status-1", sent_at=later),
            received("join waitlist", provider_message_id="wamid.wait-1", sent_at=later),
        )
        await tap.wait_for(COMMAND, count=3)
        asked = [(c.name, c.args) for c in commands(tap)]
        assert asked[1:] == [
            ("CheckBookingStatus", {"reference": held.reference}),
            ("JoinWaitlist", {"departure_id": held.departure_id, "pax": held.pax, "lead_id": quote.lead_id}),
        ]  # fmt: skip
        await tap.settled()
        assert replies_to(tap, CUSTOMER) == []  # each command's result is the reply


async def test_staff_commands_carry_the_directory_actor_and_the_pending_offer(
    isolated: Isolated,
) -> None:
    guide = StaffUpserted(
        user_id="u-4", name="Pemba Sherpa", phone=GUIDE, role="FIELD_STAFF", kind="guide"
    )
    offer = AssignmentOffered.model_validate(example("waops.assignment.offered.v1"))
    assert offer.staff.phone == GUIDE
    async with (
        EventTap(isolated.amqp_url, REPLY, COMMAND) as tap,
        running_service(create_app, engine_settings(isolated)) as client,
    ):
        await publish(
            isolated.amqp_url,
            from_core(guide, "STAFF/u-4"),
            from_core(offer, f"TRIP/{offer.trip_id}"),
        )
        await context_when(
            client, GUIDE, lambda c: bool(c["dialogue_data"].get("offers")), what="the offer"
        )
        messages = [
            received("ACCEPT", provider_message_id="wamid.g-1", phone=GUIDE, name="Pemba"),
            received("CHECKIN", provider_message_id="wamid.g-2", phone=GUIDE, name="Pemba"),
            received("help", provider_message_id="wamid.g-3", phone=GUIDE, name="Pemba"),
            received("CHECKIN EBC-251005", provider_message_id="wamid.c-1"),
        ]
        await publish(isolated.amqp_url, *messages)
        await tap.wait_for(COMMAND, count=2)
        await tap.wait_for(REPLY, count=2)

        # Two phones, two partitions: their commands come in either order.
        by_role = {command.actor.role: command for command in commands(tap)}
        accept, customer_checkin = by_role["FIELD_STAFF"], by_role["CUSTOMER"]
        assert (accept.name, accept.args) == ("AcceptAssignment", {"trip_ref": "EBC-251005"})
        assert accept.actor.model_dump() == {
            "phone": GUIDE,
            "role": "FIELD_STAFF",
            "user_id": "u-4",
            "name": "Pemba Sherpa",
        }
        # A customer's CHECKIN is asked for all the same: the orchestrator refuses and audits it.
        assert (customer_checkin.name, customer_checkin.actor.role) == ("CheckIn", "CUSTOMER")

        problem, help_reply = replies_to(tap, GUIDE)
        assert problem["template"] == "dialogue.staff.problem"
        assert "CHECKIN EBC-251005" in problem["variables"]["problem"]
        assert help_reply["template"] == "dialogue.staff.help.field_staff"
        assert help_reply["variables"]["name_part"] == ", Pemba Sherpa"


async def test_seats_offered_from_the_waitlist_are_taken_with_a_yes(isolated: Isolated) -> None:
    offer = WaitlistOffered.model_validate(
        example("waops.waitlist.offered.v1", customer_phone=CUSTOMER)
    )
    taken = WaitlistConfirmed.model_validate(
        example("waops.waitlist.confirmed.v1", customer_phone=CUSTOMER)
    )
    later = SENT_AT + timedelta(minutes=5)
    async with (
        EventTap(isolated.amqp_url, REPLY, COMMAND) as tap,
        running_service(create_app, engine_settings(isolated)) as client,
    ):
        await publish(isolated.amqp_url, from_core(offer, f"BOOKING/{offer.booking_id}"))
        offered = await context_when(
            client, CUSTOMER, lambda c: c["dialogue_state"] == "waitlist_offered"
        )
        assert offered["bound_object"] == {
            "type": "BOOKING",
            "id": offer.booking_id,
            "reference": offer.reference,
        }
        await publish(
            isolated.amqp_url,
            received("help", provider_message_id="wamid.offer-1"),
            received("Yes!", provider_message_id="wamid.offer-2", sent_at=later),
        )
        [yes_env] = await tap.wait_for(COMMAND)
        [help_reply] = await tap.wait_for(REPLY)
        assert help_reply.data["template"] == "dialogue.help.waitlist_offered"
        assert help_reply.data["variables"]["booking_reference"] == offer.reference
        yes = CommandRequested.model_validate(yes_env.data)
        assert (yes.name, yes.args) == (
            "ConfirmWaitlistOffer",
            {"entry_id": offer.entry_id, "booking_id": offer.booking_id},
        )
        assert (yes.actor.role, yes.actor.phone) == ("CUSTOMER", CUSTOMER)
        # Taken in the core: the offer stays closed, the dialogue at rest.
        await publish(isolated.amqp_url, from_core(taken, f"BOOKING/{taken.booking_id}"))
        first_seen = offered["dialogue_data"]["waitlist_offer"]["as_of"]

        def confirmed(context: dict[str, Any]) -> bool:
            return bool(context["dialogue_data"]["waitlist_offer"]["as_of"] != first_seen)

        rested = await context_when(client, CUSTOMER, confirmed, what="the offer confirmed")
        assert rested["dialogue_state"] == "menu"
        assert rested["dialogue_data"]["waitlist_offer"]["open"] is False

        await publish(
            isolated.amqp_url,
            received("talk to our team", provider_message_id="wamid.team-1", sent_at=later),
        )
        await tap.wait_for(COMMAND, count=2)
        handoff = commands(tap)[1]
        assert (handoff.name, handoff.args) == ("RequestHandoff", {"booking_id": offer.booking_id})
        await tap.settled()
        assert len(replies_to(tap, CUSTOMER)) == 1  # the results answer the rest


async def test_an_expired_conversation_resumes_with_what_is_still_known(
    isolated: Isolated,
) -> None:
    lead = LeadCreated.model_validate(example("waops.lead.created.v1", customer_phone=CUSTOMER))
    async with (
        EventTap(isolated.amqp_url, REPLY) as tap,
        running_service(create_app, engine_settings(isolated)) as client,
    ):
        await catalogue_loaded(client, isolated)
        await publish(isolated.amqp_url, from_core(lead, f"LEAD/{lead.lead_id}"))
        await context_when(client, CUSTOMER, lambda c: c["bound_object"] is not None)
        # Mid-enquiry (asked how many people), then silence for more than the window.
        await publish(
            isolated.amqp_url,
            received("Everest base camp please", provider_message_id="wamid.exp-1"),
        )
        await context_when(client, CUSTOMER, lambda c: c["dialogue_state"] == "enquiry")
        await publish(
            isolated.amqp_url,
            received(
                "hello?",
                provider_message_id="wamid.exp-2",
                sent_at=SENT_AT + timedelta(hours=25),
                name=None,
            ),
        )
        await tap.wait_for(REPLY, count=2)
        asked, welcome = replies_to(tap, CUSTOMER)
        assert asked["template"] == "dialogue.ask_pax"
        assert welcome["template"] == "dialogue.menu"
        assert welcome["variables"]["welcome_back"] is True
        assert welcome["variables"]["name_part"] == ", Asha"  # still known
        assert welcome["about"] == {"type": "LEAD", "id": lead.lead_id, "reference": lead.reference}

        newer, older = (await get_json(client, f"/v1/conversations?phone={phone_query(CUSTOMER)}"))[
            "conversations"
        ]
        assert (older["state"], newer["previous_conversation_id"]) == ("EXPIRED", older["id"])
        assert welcome["conversation_id"] == newer["id"] != asked["conversation_id"]

        context = await context_when(client, CUSTOMER, lambda c: c["dialogue_state"] == "menu")
        assert "enquiry" not in context["dialogue_data"]  # the unanswered question is dropped
        assert context["bound_object"]["id"] == lead.lead_id  # the binding is kept
        assert context["conversation_id"] == newer["id"]


async def test_bad_input_to_the_context_api_is_a_clear_4xx(isolated: Isolated) -> None:
    async with running_service(create_app, engine_settings(isolated)) as client:
        missing = await client.get("/v1/contexts", headers={"X-Waops-Tenant": "demo"})
        assert (missing.status, (await missing.json())["error"]["code"]) == (400, "PHONE_REQUIRED")
        unknown = await client.get(
            f"/v1/contexts?phone={phone_query('+15550000000')}", headers={"X-Waops-Tenant": "demo"}
        )
        assert (unknown.status, (await unknown.json())["error"]["code"]) == (
            404,
            "CONTEXT_NOT_FOUND",
        )
