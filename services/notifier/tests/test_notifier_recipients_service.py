"""Who is told, through the running notifier on real PostgreSQL and RabbitMQ: operations from
the staff directory it keeps, an incident's reporter, every traveller of a trip, the actor of
a command; each once, however often the event is delivered."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import aio_pika
import pytest
from notifier.bootstrap import create_app
from notifier.settings import NotifierSettings
from notifier_samples import CUSTOMER, GUIDE, MAYA, OPS, REP, RESULTS, done, example
from waops_contracts import Envelope, Event
from waops_contracts.events import StaffUpserted
from waops_messaging import PARK_REASON_HEADER
from waops_testing.plugin import Isolated
from waops_testing.poll import eventually
from waops_testing.services import consumed, publish, running_service, service_db, settings_for

pytestmark = pytest.mark.integration

TOKEN = "test-token"
PHONE_ID = "109876543210"  # the sandbox's (and the default channel's) phone number id
MANAGER = "+9779800000006"
LEFT = "+9779800000009"  # was operations, left the company
OTHER_TENANT_OPS = "+9779800000099"
BEN = "+9779841000002"
NOTIFICATIONS = "notifier.notifications"
TRAVELLERS = [
    {
        "booking_id": "b-1",
        "reference": "EBC-2501234",
        "customer_phone": CUSTOMER,
        "customer_name": "Asha",
        "pax": 3,
    },
    {
        "booking_id": "b-2",
        "reference": "EBC-2501235",
        "customer_phone": BEN,
        "customer_name": "Ben",
        "pax": 2,
    },
]


def settings(isolated: Isolated, sandbox: Any) -> NotifierSettings:
    return settings_for(
        NotifierSettings,
        isolated,
        "notifier",
        meta_graph_url=str(sandbox.make_url("")).rstrip("/"),
        meta_access_token=TOKEN,
        meta_phone_number_id=PHONE_ID,
        support_line="+977 1 5550199",
    )


def wrap(event: Event, tenant: str = "demo", at: datetime | None = None) -> Envelope:
    envelope = Envelope.wrap(event, source="waops/test", tenant_id=tenant)
    return envelope.model_copy(update={"time": at}) if at else envelope


def staff(user_id: str, name: str, phone: str, role: str, **extra: Any) -> Envelope:
    tenant, at = extra.pop("tenant", "demo"), extra.pop("at", None)
    member = StaffUpserted(user_id=user_id, name=name, phone=phone, role=role, **extra)
    return wrap(member, tenant, at)


def handled(event_type: str, queue: str = NOTIFICATIONS) -> float:
    return consumed(queue, event_type, "handled") + consumed(queue, event_type, "duplicate")


async def until_handled(counts: dict[str, float], *envelopes: Envelope) -> None:
    """Wait until every delivery of ``envelopes`` was handled (or seen as a duplicate)."""
    wanted = Counter(e.type for e in envelopes)

    async def done_all() -> bool:
        return all(handled(t, _queue_of(t)) - counts.get(t, 0.0) >= n for t, n in wanted.items())

    await eventually(done_all, what=f"{sum(wanted.values())} deliveries handled")


def _queue_of(event_type: str) -> str:
    return "notifier.directory" if event_type == StaffUpserted.event_type else NOTIFICATIONS


def snapshot(*types: str) -> dict[str, float]:
    return {t: handled(t, _queue_of(t)) for t in types}


async def outbound(isolated: Isolated) -> list[dict[str, Any]]:
    async with service_db(isolated, "notifier") as db:
        rows = await db.fetch(
            "SELECT to_phone, template, body, language, channel_id, about_type, about_id,"
            " tenant_id FROM outbound_messages ORDER BY created_at, to_phone"
        )
    return [dict(r) for r in rows]


def told(rows: Iterable[dict[str, Any]]) -> Counter[tuple[str, str]]:
    return Counter((r["to_phone"], r["template"]) for r in rows)


async def sent_to_sandbox(sandbox: Any, count: int) -> list[dict[str, Any]]:
    async def enough() -> list[dict[str, Any]] | None:
        got: list[dict[str, Any]] = await (await sandbox.get("/_sandbox/sent")).json()
        return got if len(got) >= count else None

    return await eventually(enough, what=f"{count} sends at the sandbox")


async def the_directory(isolated: Isolated) -> None:
    """Operations, a manager and sales in the tenant; someone who left (the older event that
    said they were active arrives last, and changes nothing); operations of another tenant."""
    now = datetime.now(UTC)
    envelopes = [
        staff("u-3", "Maya Gurung", OPS, "OPERATIONS"),
        staff("u-6", "Anil Rai", MANAGER, "MANAGER"),
        staff("u-1", "Sita Sharma", REP, "SALES"),
        staff("u-4", "Pemba Sherpa", GUIDE, "FIELD_STAFF", kind="guide"),
        staff("u-9", "Ram Left", LEFT, "OPERATIONS", active=False, at=now),
        staff("u-99", "Other Ops", OTHER_TENANT_OPS, "OPERATIONS", tenant="other"),
    ]
    late = staff("u-9", "Ram Left", LEFT, "OPERATIONS", active=True, at=now - timedelta(hours=1))
    before = snapshot(StaffUpserted.event_type)
    await publish(isolated.amqp_url, *envelopes)
    await until_handled(before, *envelopes)
    await publish(isolated.amqp_url, late)
    await until_handled(before, *envelopes, late)


async def test_an_incident_reaches_operations_then_its_reporter_and_travellers(
    isolated: Isolated, sandbox: Any
) -> None:
    incident_id = "inc-1"
    common = {"incident_id": incident_id, "travellers": TRAVELLERS}
    reported = wrap(example("waops.incident.reported.v1", **common))
    maya = {"user_id": "u-3", "name": "Maya Gurung", "phone": OPS, "role": "OPERATIONS"}
    updated = wrap(example("waops.incident.updated.v1", **common, author=maya))
    resolved = wrap(example("waops.incident.resolved.v1", **common))  # by the guide
    async with running_service(create_app, settings(isolated, sandbox)):
        await the_directory(isolated)
        before = snapshot(reported.type, updated.type, resolved.type)
        await publish(isolated.amqp_url, reported, reported)  # delivered twice
        await until_handled(before, reported, reported)
        await publish(isolated.amqp_url, updated, resolved, resolved, updated)
        await until_handled(before, reported, reported, updated, resolved, resolved, updated)
        sends = await sent_to_sandbox(sandbox, 9)

    rows = await outbound(isolated)
    assert told(rows) == Counter(
        {
            # Reported by the guide: operations and the manager of this tenant only.
            (OPS, "incident.reported"): 1,
            (MANAGER, "incident.reported"): 1,
            # Updated at the office by Maya: the guide who reported it, and the travellers.
            (GUIDE, "incident.updated_crew"): 1,
            (CUSTOMER, "incident.updated"): 1,
            (BEN, "incident.updated"): 1,
            # Resolved by the guide: operations and the manager, and the travellers.
            (OPS, "incident.resolved_crew"): 1,
            (MANAGER, "incident.resolved_crew"): 1,
            (CUSTOMER, "incident.resolved"): 1,
            (BEN, "incident.resolved"): 1,
        }
    )
    assert {(r["about_type"], r["about_id"]) for r in rows} == {("INCIDENT", incident_id)}
    assert len(sends) == 9 == len(await (await sandbox.get("/_sandbox/sent")).json())
    ben = next(r for r in rows if r["to_phone"] == BEN and r["template"] == "incident.updated")
    assert "Namaste Ben!" in ben["body"] and "call us on +977 1 5550199" in ben["body"]


async def test_a_started_trip_reaches_operations_and_every_traveller_once(
    isolated: Isolated, sandbox: Any
) -> None:
    started = wrap(example("waops.trip.started.v1", travellers=TRAVELLERS))
    offered = wrap(example("waops.assignment.offered.v1"))
    async with running_service(create_app, settings(isolated, sandbox)):
        await the_directory(isolated)
        before = snapshot(started.type, offered.type)
        await publish(isolated.amqp_url, started, offered, started, offered)
        await until_handled(before, started, offered, started, offered)
        await sent_to_sandbox(sandbox, 4)

    rows = await outbound(isolated)
    assert told(rows) == Counter(
        {
            (OPS, "trip.started_ops"): 1,  # the guide who checked in is not operations
            (CUSTOMER, "trip.started"): 1,
            (BEN, "trip.started"): 1,
            (GUIDE, "assignment.offered"): 1,
        }
    )
    asha = next(r for r in rows if r["to_phone"] == CUSTOMER)
    assert f"Your guide is Pemba Sherpa ({GUIDE})" in asha["body"]
    assert {r["about_type"] for r in rows} == {"TRIP"}


async def test_each_actor_gets_one_reply_and_the_rep_hears_of_an_accepted_quote(
    isolated: Isolated, sandbox: Any
) -> None:
    accepted = done(
        "AcceptQuote",
        {"lead_reference": "EBC2501234", "tour_name": "EBC", "pax": 3, "rep_user_id": "u-1"},
    )
    envelopes = [
        wrap(accepted),
        wrap(done("CheckIn", conversation_id=None)),  # the web API: no WhatsApp reply
        wrap(done("CreateLead", {"state": "NEW"})),  # lead.created acknowledges instead
        wrap(example("waops.command.rejected.v1", conversation_id=None)),
        wrap(
            example(
                "waops.conversation.reply_requested.v1",
                template="command_refused",
                variables={"reason": "that trip is not yours"},
                language="ne",
            )
        ),
        wrap(example("waops.command.rejected.v1", actor={"phone": GUIDE, "role": "FIELD_STAFF"})),
    ]
    async with running_service(create_app, settings(isolated, sandbox)):
        await the_directory(isolated)
        before = snapshot(*(e.type for e in envelopes))
        await publish(isolated.amqp_url, *envelopes, *envelopes)
        await until_handled(before, *envelopes, *envelopes)
        await sent_to_sandbox(sandbox, 4)

    rows = await outbound(isolated)
    assert told(rows) == Counter(
        {
            (CUSTOMER, "done.AcceptQuote"): 1,
            (REP, "quote.accepted"): 1,  # found by id in the directory
            (CUSTOMER, "command_refused"): 1,  # the dialogue's reply
            (GUIDE, "command_refused"): 1,
        }
    )
    reply = next(
        r for r in rows if r["to_phone"] == CUSTOMER and r["template"] == "command_refused"
    )
    assert reply["language"] == "ne" and "that trip is not yours" in reply["body"]
    assert {r["channel_id"] for r in rows} == {PHONE_ID}


async def test_a_customer_asking_for_a_person_reaches_their_rep_or_every_sales_person(
    isolated: Isolated, sandbox: Any
) -> None:
    ram, gone = "+9779800000002", "+9779800000008"
    no_rep = {"reference": None, "rep_name": None, "rep_phone": None, "text": "Call me?"}
    envelopes = [
        wrap(done("RequestHandoff")),  # Sita is Asha's rep
        wrap(done("RequestHandoff", no_rep, actor={"phone": BEN, "role": "CUSTOMER"})),
        # A customer taking the seats offered: booking.held is their reply, not this.
        wrap(done("ConfirmWaitlistOffer")),
        wrap(done("DeclineWaitlistOffer", actor=MAYA)),
    ]
    sales = [
        staff("u-2", "Ram Karki", ram, "SALES"),
        staff("u-8", "Gone Sales", gone, "SALES", active=False),
    ]
    async with running_service(create_app, settings(isolated, sandbox)):
        await the_directory(isolated)
        before = snapshot(StaffUpserted.event_type, *(e.type for e in envelopes))
        await publish(isolated.amqp_url, *sales)
        await until_handled(before, *sales)
        await publish(isolated.amqp_url, *envelopes, *envelopes)
        await until_handled(before, *sales, *envelopes, *envelopes)
        await sent_to_sandbox(sandbox, 6)

    rows = await outbound(isolated)
    assert told(rows) == Counter(
        {
            (CUSTOMER, "done.RequestHandoff"): 1,
            (REP, "handoff.requested"): 2,  # as Asha's rep, and as one of the sales team
            (BEN, "done.RequestHandoff"): 1,
            (ram, "handoff.requested"): 1,
            (OPS, "done.DeclineWaitlistOffer"): 1,
        }
    )
    asked = [r["body"] for r in rows if r["to_phone"] == ram]
    assert asked == [
        f"{BEN} asked to talk to someone from our team.\n"
        'They wrote: "Call me?"\n'
        "Please get back to them shortly."
    ]
    sita = next(r for r in rows if r["to_phone"] == REP)
    assert (sita["about_type"], sita["about_id"]) == ("BOOKING", "b-1")
    assert RESULTS["RequestHandoff"]["text"] in sita["body"]


async def test_a_reply_with_a_template_nobody_defines_is_parked_with_the_reason(
    isolated: Isolated, sandbox: Any
) -> None:
    unknown = wrap(
        example("waops.conversation.reply_requested.v1", template="dialogue.no_such_text")
    )
    async with running_service(create_app, settings(isolated, sandbox)):
        await publish(isolated.amqp_url, unknown)
        [parked] = await eventually(
            lambda: _parked(isolated.amqp_url),
            timeout=30,
            interval=0.2,
            what="the reply to be parked",
        )
    assert "dialogue.no_such_text" in str(parked.headers[PARK_REASON_HEADER])
    assert await outbound(isolated) == []


async def _parked(amqp_url: str) -> list[aio_pika.abc.AbstractIncomingMessage] | None:
    conn = await aio_pika.connect(amqp_url)
    try:
        queue = await (await conn.channel()).declare_queue(f"{NOTIFICATIONS}.parked", passive=True)
        message = await queue.get(no_ack=True, fail=False)
        return [message] if message is not None else None
    finally:
        await conn.close()


async def test_a_customer_hears_each_step_of_their_booking_once(
    isolated: Isolated, sandbox: Any
) -> None:
    steps = [
        wrap(example("waops.quote.sent.v1")),
        wrap(example("waops.booking.held.v1")),
        wrap(example("waops.payment.link_created.v1")),
        wrap(example("waops.payment.received.v1")),
        wrap(
            example(
                "waops.broadcast.requested.v1",
                recipients=[
                    {"phone": CUSTOMER, "name": "Asha", "booking_reference": "EBC-2501234"},
                    {"phone": CUSTOMER, "name": "Asha", "booking_reference": "EBC-2501299"},
                    {"phone": BEN, "name": "Ben", "booking_reference": "EBC-2501235"},
                ],
            )
        ),
    ]
    # Covered by the receipt of the same payment: the notifier does not even consume them.
    covered = [
        wrap(example("waops.booking.confirmed.v1")),
        wrap(example("waops.payment.fully_paid.v1")),
    ]
    async with running_service(create_app, settings(isolated, sandbox)):
        before = snapshot(*(e.type for e in steps))
        await publish(isolated.amqp_url, *steps, *covered, *reversed(steps))
        await until_handled(before, *steps, *steps)
        sends = await sent_to_sandbox(sandbox, 6)

    rows = await outbound(isolated)
    assert told(rows) == Counter(
        {
            (CUSTOMER, "quote.sent"): 1,
            (CUSTOMER, "booking.held"): 1,
            (CUSTOMER, "payment.link"): 1,
            (CUSTOMER, "payment.received"): 1,
            (CUSTOMER, "broadcast.message"): 1,  # two bookings, one message
            (BEN, "broadcast.message"): 1,
        }
    )
    abouts = {r["template"]: r["about_type"] for r in rows}
    assert abouts["quote.sent"] == "LEAD" and abouts["payment.received"] == "BOOKING"
    assert {s["to"] for s in sends} == {CUSTOMER.lstrip("+"), BEN.lstrip("+")}
    assert len(await (await sandbox.get("/_sandbox/sent")).json()) == 6
