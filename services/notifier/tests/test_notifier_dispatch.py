"""The notifier service on real PostgreSQL and RabbitMQ, sending through the sandbox:
retry / no-retry / halt decisions per error code, the circuit breaker opening and closing,
each provider as the default channel, a registry channel, and the status lifecycle as the
adapter's ``message.status`` events arrive (shuffled, duplicated, early), and WhatsApp's
customer-service window (the sandbox enforcing it) turning a free-form message to someone who
has not written in 24 hours into the re-engagement template."""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import pytest
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestServer
from notifier.adapters.breaker import State
from notifier.adapters.outbound import queue_message
from notifier.adapters.statuses import record_send, record_status
from notifier.bootstrap import RUNNING, create_app
from notifier.domain.content import Button, Buttons
from notifier.domain.lifecycle import StatusReport
from notifier.domain.window import template_parameter
from notifier.settings import NotifierSettings
from sqlalchemy import text
from waops_contracts import Envelope
from waops_contracts.events import MessageReceived, MessageStatus
from waops_service_kit.db import create_engine
from waops_testing.plugin import Isolated
from waops_testing.poll import eventually
from waops_testing.services import (
    EventTap,
    consumed,
    publish,
    running_service,
    service_db,
)

pytestmark = pytest.mark.integration
from dispatch_support import (  # noqa: E402
    CHANNEL,
    CUSTOMER,
    channel_of,
    faults_left,
    lead,
    row,
    sent,
    settings,
)

# ------------------------------------------------------------------- error decisions


@pytest.mark.parametrize(
    ("provider", "code"), [("meta", 130429), ("meta", 131056), ("twilio", 20429)]
)
async def test_rate_limits_are_retried_with_backoff_until_sent(
    isolated: Isolated, sandbox: Any, provider: str, code: int
) -> None:
    await sandbox.post("/_sandbox/faults", json={"error_code": code, "times": 2})
    wire = "sandbox" if provider == "meta" else provider
    async with running_service(create_app, settings(isolated, sandbox, provider=wire)):
        await publish(isolated.amqp_url, lead(channel_id=channel_of(provider)))
        [message] = await sent(sandbox)
        assert message["provider"] == provider
    stored = await row(isolated)
    assert (stored["status"], stored["attempts"]) == ("sent", 3)
    assert await faults_left(sandbox) == []


async def test_retries_are_bounded(isolated: Isolated, sandbox: Any) -> None:
    await sandbox.post("/_sandbox/faults", json={"status": 503, "times": 10})
    async with (
        EventTap(isolated.amqp_url, "waops.message.#") as tap,
        running_service(create_app, settings(isolated, sandbox, send_max_attempts=3)),
    ):
        await publish(isolated.amqp_url, lead())
        [failed] = await tap.wait_for("waops.message.failed.v1")
    assert failed.data["error_code"] == 2  # Graph's "service temporarily unavailable"
    assert (await faults_left(sandbox))[0]["times"] == 7  # tried exactly three times
    assert (await row(isolated))["attempts"] == 3


@pytest.mark.parametrize(
    ("provider", "code"),
    [("meta", 131026), ("meta", 132001), ("360dialog", 131047), ("twilio", 63016)],
)
async def test_hopeless_messages_fail_at_once(
    isolated: Isolated, sandbox: Any, provider: str, code: int
) -> None:
    await sandbox.post("/_sandbox/faults", json={"error_code": code, "times": 5})
    wire = "sandbox" if provider == "meta" else provider
    async with (
        EventTap(isolated.amqp_url, "waops.message.#") as tap,
        running_service(create_app, settings(isolated, sandbox, provider=wire)),
    ):
        await publish(isolated.amqp_url, lead(channel_id=channel_of(provider)))
        [failed] = await tap.wait_for("waops.message.failed.v1")
    assert failed.data["error_code"] == code and failed.data["provider"] == provider
    assert (await faults_left(sandbox))[0]["times"] == 4  # tried exactly once
    stored = await row(isolated)
    assert (stored["status"], stored["error_code"]) == ("failed", code)


@pytest.mark.parametrize(("provider", "code"), [("meta", 368), ("twilio", 20003)])
async def test_a_halt_pauses_the_channel_until_resumed(
    isolated: Isolated, sandbox: Any, provider: str, code: int
) -> None:
    await sandbox.post("/_sandbox/faults", json={"error_code": code, "times": 1})
    wire = "sandbox" if provider == "meta" else provider
    config = settings(isolated, sandbox, provider=wire, admin_token="ops-token")
    channel = quote(channel_of(provider))  # as it goes in a URL path
    async with running_service(create_app, config) as notifier:
        await publish(isolated.amqp_url, lead(channel_id=channel_of(provider)))

        async def halted(waiting: int) -> dict[str, Any] | None:
            body = await (await notifier.get(f"/v1/channels/{channel}")).json()
            found: dict[str, Any] = body["channel"]
            return found if found["halted"] and found["waiting"] == waiting else None

        await eventually(lambda: halted(1), what="the channel to halt")
        # Arrives on the halted channel: waits too.
        await publish(isolated.amqp_url, lead(channel_id=channel_of(provider)))
        state = await eventually(lambda: halted(2), what="2 messages waiting")
        assert state["halt"]["code"] == code and state["halt"]["provider"] == provider
        async with service_db(isolated, "notifier") as db:
            rows = await db.fetch("SELECT status, attempts FROM outbound_messages")
        assert sorted((r["status"], r["attempts"]) for r in rows) == [("queued", 0)] * 2
        assert await (await sandbox.get("/_sandbox/sent")).json() == []
        refused = await notifier.post(f"/v1/channels/{channel}/resume")
        assert refused.status == 401
        resumed = await notifier.post(
            f"/v1/channels/{channel}/resume", headers={"Authorization": "Bearer ops-token"}
        )
        assert resumed.status == 200
        await sent(sandbox, 2)
        again = await notifier.post(
            f"/v1/channels/{channel}/resume", headers={"Authorization": "Bearer ops-token"}
        )
        assert again.status == 409
        assert (await again.json())["error"]["code"] == "CHANNEL_NOT_HALTED"


# ------------------------------------------------------------------- circuit breaker


async def test_the_breaker_opens_lets_messages_wait_and_closes(
    isolated: Isolated, sandbox: Any
) -> None:
    await sandbox.post("/_sandbox/faults", json={"status": 503, "times": 2})
    config = settings(isolated, sandbox, breaker_failures=2, breaker_cooldown=3.0)
    async with running_service(create_app, config) as notifier:
        breakers = notifier.server.app[RUNNING].dispatcher.breakers
        await publish(isolated.amqp_url, lead())

        async def opened() -> bool:
            return breakers.state(CHANNEL) is State.OPEN

        await eventually(opened, what="the circuit to open")
        await publish(isolated.amqp_url, lead())  # arrives while the provider is "down"

        async def waiting_while_open() -> list[Any] | None:
            async with service_db(isolated, "notifier") as db:
                rows = await db.fetch(
                    "SELECT status, attempts FROM outbound_messages ORDER BY created_at"
                )
            # Only a snapshot taken wholly inside the open period proves anything.
            still_open = breakers.state(CHANNEL) is State.OPEN
            return [tuple(r) for r in rows] if still_open and len(rows) == 2 else None

        snapshot = await eventually(waiting_while_open, what="both messages queued while open")
        # The failing one tried twice and waits; the new one was never tried: nothing burned.
        assert snapshot == [("queued", 2), ("queued", 0)]
        assert await (await sandbox.get("/_sandbox/sent")).json() == []
        await sent(sandbox, 2)  # after the cool-down the probe succeeds and the circuit closes
        assert breakers.state(CHANNEL) is State.CLOSED
    async with service_db(isolated, "notifier") as db:
        rows = await db.fetch("SELECT status, attempts FROM outbound_messages ORDER BY created_at")
    assert [tuple(r) for r in rows] == [("sent", 3), ("sent", 1)]


# ------------------------------------------------------------------- per-recipient order

OTHER = "+9779812345678"


async def queue_texts(config: NotifierSettings, *messages: tuple[str, str]) -> None:
    """Queue ``(to_phone, body)`` texts in one transaction, in the given order."""
    engine = create_engine(config.database_url, "notifier")
    try:
        async with engine.begin() as conn:
            for to_phone, body in messages:
                await queue_message(
                    conn,
                    tenant_id="demo",
                    dedupe_key=f"order-{uuid.uuid4()}",
                    channel_id=CHANNEL,
                    to_phone=to_phone,
                    template="order.test",
                    language="en",
                    body=body,
                    correlation_id="c",
                    causation_id="c",
                )
    finally:
        await engine.dispose()


async def outbound_by_body(isolated: Isolated) -> dict[str, tuple[str, int]]:
    async with service_db(isolated, "notifier") as db:
        rows = await db.fetch("SELECT body, status, attempts FROM outbound_messages")
    return {r["body"]: (r["status"], r["attempts"]) for r in rows}


async def test_a_retried_message_still_reaches_its_recipient_before_the_next(
    isolated: Isolated, sandbox: Any
) -> None:
    await sandbox.post("/_sandbox/faults", json={"status": 503, "times": 1})
    config = settings(isolated, sandbox)
    async with running_service(create_app, config):
        await queue_texts(config, (CUSTOMER, "seats held"), (CUSTOMER, "payment link"))
        got = await sent(sandbox, 2)
    assert [m["body"] for m in got] == ["seats held", "payment link"]
    assert await outbound_by_body(isolated) == {
        "seats held": ("sent", 2),
        "payment link": ("sent", 1),
    }


async def test_a_message_awaiting_retry_holds_back_only_its_own_recipient(
    isolated: Isolated, sandbox: Any
) -> None:
    await sandbox.post("/_sandbox/faults", json={"status": 503, "times": 1})
    # A long backoff: the first message surely still waits while the others are tried.
    config = settings(isolated, sandbox, retry_backoff=30.0, retry_backoff_max=60.0)
    async with running_service(create_app, config):
        await queue_texts(config, (CUSTOMER, "first"), (CUSTOMER, "second"))

        async def awaiting_retry() -> bool:
            return (await outbound_by_body(isolated)).get("first") == ("queued", 1)

        await eventually(awaiting_retry, what="the first message to wait for its retry")
        await queue_texts(config, (OTHER, "to someone else"))
        [other] = await sent(sandbox, 1)
        assert other["body"] == "to someone else"  # not held back by another person's retry
        assert (await outbound_by_body(isolated))["second"] == ("queued", 0)  # never tried
        async with service_db(isolated, "notifier") as db:  # the retry falls due now
            await db.execute(
                "UPDATE outbound_messages SET next_attempt_at = now() WHERE body = 'first'"
            )
        got = await sent(sandbox, 3)
    assert [m["body"] for m in got] == ["to someone else", "first", "second"]


async def test_a_finally_failed_message_no_longer_holds_back_the_next(
    isolated: Isolated, sandbox: Any
) -> None:
    await sandbox.post("/_sandbox/faults", json={"status": 503, "times": 2})
    config = settings(isolated, sandbox, send_max_attempts=2)
    async with running_service(create_app, config):
        await queue_texts(config, (CUSTOMER, "doomed"), (CUSTOMER, "next"))
        [got] = await sent(sandbox, 1)
    assert got["body"] == "next"
    assert await outbound_by_body(isolated) == {"doomed": ("failed", 2), "next": ("sent", 1)}
    assert await faults_left(sandbox) == []  # both faults were the first message's


async def test_one_objects_events_queue_their_messages_in_published_order(
    isolated: Isolated, sandbox: Any
) -> None:
    """The notifications queue is partitioned by the event's key (the core's subject): one
    object's events are handled one at a time, so their messages are queued in order."""
    subject = f"LEAD/{uuid.uuid4()}"
    events = [
        lead().model_copy(update={"subject": subject, "partitionkey": subject}) for _ in range(12)
    ]
    async with running_service(create_app, settings(isolated, sandbox)):
        await publish(isolated.amqp_url, *events)
        await sent(sandbox, len(events))
    async with service_db(isolated, "notifier") as db:
        causes = await db.fetch("SELECT causation_id FROM outbound_messages ORDER BY seq")
    assert [r["causation_id"] for r in causes] == [e.id for e in events]


# ------------------------------------------------------------------- channels


async def test_each_provider_can_be_the_default_channel(isolated: Isolated, sandbox: Any) -> None:
    for provider in ("360dialog", "twilio"):
        config = settings(
            isolated, sandbox, provider=provider, public_base_url="https://waops.example"
        )
        async with running_service(create_app, config):
            await publish(isolated.amqp_url, lead(channel_id=channel_of(provider)))
            records = await sent(sandbox)
        [record] = [r for r in records if r["provider"] == provider]
        assert "EBC2501234" in record["body"]
        async with service_db(isolated, "notifier") as db:
            outbound_id = str(
                await db.fetchval("SELECT id FROM outbound_messages WHERE provider = $1", provider)
            )
        if provider == "twilio":  # status callbacks come back to the send's own URL
            assert record["request"]["StatusCallback"] == (
                f"https://waops.example/webhooks/twilio?waops_ref={outbound_id}"
            )
            assert record["request"]["To"] == "whatsapp:+9779841234567"
        else:  # echoed in every status webhook of the message
            assert record["request"]["biz_opaque_callback_data"] == outbound_id
        await sandbox.delete("/_sandbox/sent")


@pytest_asyncio.fixture
async def registry(sandbox: Any) -> AsyncIterator[str]:
    """The adapter's channel registry (its admin credentials endpoint), with one 360dialog
    channel whose API is the sandbox's."""

    async def credentials(request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != "Bearer ops-token":
            return web.json_response({"error": {"code": "UNAUTHORIZED", "message": ""}}, status=401)
        if request.match_info["channel_id"] != "ch-360":
            return web.json_response({"error": {"code": "NOT_FOUND", "message": ""}}, status=404)
        channel = {
            "id": "ch-360",
            "tenant_id": "demo",
            "provider": "360dialog",
            "address": "+9771555000",
            "credentials": {
                "api_key": "test-d360-key",
                "api_url": str(sandbox.make_url("")).rstrip("/"),
                "webhook_secret": None,
            },
        }
        return web.json_response({"channel": channel})

    app = web.Application()
    app.router.add_get("/v1/admin/channels/{channel_id}/credentials", credentials)
    server = TestServer(app)
    await server.start_server()
    yield str(server.make_url("")).rstrip("/")
    await server.close()


async def test_a_registry_channel_sends_through_its_provider(
    isolated: Isolated, sandbox: Any, registry: str
) -> None:
    config = settings(isolated, sandbox, adapter_url=registry, admin_token="ops-token")
    async with (
        EventTap(isolated.amqp_url, "waops.message.#") as tap,
        running_service(create_app, config),
    ):
        await publish(isolated.amqp_url, lead(channel_id="ch-360"), lead(channel_id="ch-gone"))
        [record] = await sent(sandbox)
        [failed] = await tap.wait_for("waops.message.failed.v1")
    assert record["provider"] == "360dialog"
    assert (
        failed.data["channel_id"] == "ch-gone" and "unknown channel" in failed.data["error_title"]
    )


# ------------------------------------------------------------------- status lifecycle


def status(pmid: str, state: str, at: datetime, **extra: Any) -> Envelope:
    return Envelope.wrap(
        MessageStatus(
            provider="meta",
            channel_id=CHANNEL,
            provider_message_id=pmid,
            recipient_phone=CUSTOMER,
            status=state,  # type: ignore[arg-type]
            occurred_at=at,
            **extra,
        ),
        source="waops/webhook-adapter",
        tenant_id="demo",
    )


async def test_statuses_in_any_order_end_in_the_right_lifecycle(
    isolated: Isolated, sandbox: Any
) -> None:
    t0 = datetime(2025, 1, 10, 9, 15, tzinfo=UTC)
    async with (
        EventTap(isolated.amqp_url, "waops.message.#") as tap,
        running_service(create_app, settings(isolated, sandbox)) as notifier,
    ):
        await publish(isolated.amqp_url, lead(), lead())
        sent_events = await tap.wait_for("waops.message.sent.v1", 2)
        first, second = (e.data for e in sent_events)
        arrivals = [
            status(first["provider_message_id"], "read", t0 + timedelta(seconds=9)),
            status(first["provider_message_id"], "sent", t0 + timedelta(seconds=1)),
            status(first["provider_message_id"], "delivered", t0 + timedelta(seconds=4)),
        ]
        arrivals.append(arrivals[0])  # the same webhook twice
        random.Random(7).shuffle(arrivals)
        arrivals.insert(0, status(first["provider_message_id"], "read", t0 + timedelta(seconds=9)))
        await publish(isolated.amqp_url, *arrivals)
        failed = status(
            second["provider_message_id"],
            "failed",
            t0,
            error_code=131026,
            error_title="Message undeliverable",
        )
        await publish(isolated.amqp_url, failed)

        async def lifecycle(outbound_id: str, state: str) -> dict[str, Any] | None:
            resp = await notifier.get(
                f"/v1/messages/{outbound_id}", headers={"X-Waops-Tenant": "demo"}
            )
            body = await resp.json()
            assert resp.status == 200, body
            message: dict[str, Any] = body["message"]
            return message if message["status"] == state else None

        gone = await eventually(lambda: lifecycle(second["outbound_id"], "failed"), what="failed")
        [published_failure] = await tap.wait_for("waops.message.failed.v1")

        async def all_recorded() -> dict[str, Any] | None:
            message = await lifecycle(first["outbound_id"], "read")
            webhook = [h for h in (message or {}).get("history", []) if h["source"] == "webhook"]
            return message if len(webhook) == 3 else None

        # Every distinct status applied (the duplicate once), whatever came first.
        read = await eventually(all_recorded, what="every distinct status in the history")
        history = read["history"]
        by_pmid = await (
            await notifier.get(
                f"/v1/messages?provider_message_id={quote(first['provider_message_id'])}",
                headers={"X-Waops-Tenant": "demo"},
            )
        ).json()
        other_tenant = await notifier.get(
            f"/v1/messages/{first['outbound_id']}", headers={"X-Waops-Tenant": "acme"}
        )
    assert read["delivered_at"] == (t0 + timedelta(seconds=4)).isoformat()
    assert read["read_at"] == (t0 + timedelta(seconds=9)).isoformat()
    assert [h["status"] for h in history][:2] == ["queued", "sent"]  # queued, then the API's
    assert {h["status"] for h in history if h["source"] == "webhook"} == {
        "sent",
        "delivered",
        "read",
    }
    assert (gone["error_code"], gone["error_title"]) == (131026, "Message undeliverable")
    assert published_failure.data["outbound_id"] == second["outbound_id"]
    assert published_failure.data["error_code"] == 131026
    assert by_pmid["message"]["id"] == first["outbound_id"]
    assert other_tenant.status == 404


async def test_a_status_before_its_send_is_kept_and_applied_later(
    isolated: Isolated, sandbox: Any
) -> None:
    """The provider's webhook can beat the commit of its own answer: the status waits,
    unattached, and joins the message when the send is recorded."""
    config = settings(isolated, sandbox)
    async with running_service(create_app, config) as notifier:
        await publish(isolated.amqp_url, status("wamid.EARLY", "delivered", datetime.now(UTC)))
        async with service_db(isolated, "notifier") as db:

            async def kept() -> bool:
                return bool(
                    await db.fetchval(
                        "SELECT count(*) = 1 FROM outbound_status_events"
                        " WHERE provider_message_id = 'wamid.EARLY' AND outbound_id IS NULL"
                    )
                )

            await eventually(kept, what="the early status to be kept")
        engine = create_engine(config.database_url, "notifier")
        try:
            async with engine.begin() as conn:
                await queue_message(
                    conn,
                    tenant_id="demo",
                    dedupe_key="early-1",
                    channel_id=CHANNEL,
                    to_phone=CUSTOMER,
                    template="choice",
                    language="en",
                    correlation_id="c",
                    causation_id="c",
                    content=Buttons(body="Pick", buttons=(Button(id="a", title="A"),)),
                )
                outbound_id = await conn.scalar(
                    text("SELECT id FROM outbound_messages WHERE dedupe_key = 'early-1'")
                )
                # Stand in for the dispatcher's record of the provider's answer.
                await conn.execute(
                    text(
                        "UPDATE outbound_messages SET status = 'sent', provider = 'meta',"
                        " provider_message_id = 'wamid.EARLY' WHERE id = :id"
                    ),
                    {"id": outbound_id},
                )
                lifecycle = await record_send(
                    conn,
                    outbound_id=str(outbound_id),
                    provider="meta",
                    channel_id=CHANNEL,
                    provider_message_id="wamid.EARLY",
                )
                again = await record_status(
                    conn,
                    provider="meta",
                    channel_id=CHANNEL,
                    provider_message_id="wamid.EARLY",
                    report=StatusReport("sent", datetime.now(UTC)),
                )
        finally:
            await engine.dispose()
        assert lifecycle.status == "delivered"
        assert again.outcome == "applied" and again.after is not None
        assert again.after.status == "delivered"  # a late "sent" does not move it back
        resp = await notifier.get(f"/v1/messages/{outbound_id}", headers={"X-Waops-Tenant": "demo"})
        message = (await resp.json())["message"]
    assert message["status"] == "delivered" and message["kind"] == "buttons"


async def test_message_lookups_need_a_tenant_and_a_real_id(
    isolated: Isolated, sandbox: Any
) -> None:
    async with running_service(create_app, settings(isolated, sandbox)) as notifier:
        no_tenant = await notifier.get(f"/v1/messages/{uuid.uuid4()}")
        missing = await notifier.get(
            f"/v1/messages/{uuid.uuid4()}", headers={"X-Waops-Tenant": "demo"}
        )
        garbage = await notifier.get("/v1/messages/not-a-uuid", headers={"X-Waops-Tenant": "demo"})
        no_query = await notifier.get("/v1/messages", headers={"X-Waops-Tenant": "demo"})
        assert (await missing.json())["error"]["code"] == "MESSAGE_NOT_FOUND"
    assert no_tenant.status == 400
    assert missing.status == 404 and garbage.status == 404
    assert no_query.status == 400


# ------------------------------------------------------------- customer-service window

NEVER_WROTE = "+9779800000021"
WROTE = "+9779800000022"
WROTE_AS_TYPED = "+977 980-0000022"  # the same person, as an event may spell the number
CONTENT_SID = "HX" + "7" * 32
REENGAGEMENT = {
    "reengagement_template": "waops_update",
    "reengagement_language": "en_US",
    "twilio_reengagement_content_sid": CONTENT_SID,
}


def received(provider: str, phone: str, at: datetime, kind: str = "text") -> Envelope:
    """The adapter's event for a message the phone sent."""
    return Envelope.wrap(
        MessageReceived(
            provider=provider,  # type: ignore[arg-type]
            channel_id=channel_of(provider),
            provider_message_id=f"wamid.{uuid.uuid4().hex}",
            from_phone=phone,
            sent_at=at,
            kind=kind,
            text="hi",
        ),
        source="waops/webhook-adapter",
        tenant_id="demo",
    )


async def write_from_phone(
    sandbox: Any, isolated: Isolated, provider: str, phone: str, at: datetime
) -> None:
    """The person writes: the sandbox's phone sends it (the sandbox's window opens), the
    adapter's ``message.received`` reaches the notifier (its window opens)."""
    resp = await sandbox.post(
        "/_sandbox/phone/send",
        json={"from": phone, "text": "hi", "provider": provider, "timestamp": int(at.timestamp())},
    )
    assert resp.status == 200, await resp.text()
    await publish(isolated.amqp_url, received(provider, phone, at))

    async def known() -> bool:
        async with service_db(isolated, "notifier") as db:
            found = await db.fetchval(
                "SELECT at FROM last_inbound WHERE channel_id = $1 AND phone = $2",
                channel_of(provider),
                phone,
            )
        return found is not None and found >= at.replace(microsecond=0)

    await eventually(known, what="the notifier to know the person wrote")


async def rows_by_phone(isolated: Isolated) -> dict[str, dict[str, Any]]:
    async with service_db(isolated, "notifier") as db:
        rows = await db.fetch("SELECT * FROM outbound_messages")
    return {r["to_phone"]: dict(r) for r in rows}


async def settled_rows(isolated: Isolated, count: int) -> dict[str, dict[str, Any]]:
    """The outbound rows once every send's outcome is recorded (the sandbox holds a send
    before the notifier has committed its answer)."""

    async def settled() -> dict[str, dict[str, Any]] | None:
        rows = await rows_by_phone(isolated)
        done = [r for r in rows.values() if r["status"] in ("sent", "failed")]
        return rows if len(done) == count else None

    return await eventually(settled, what=f"{count} sends recorded")


@pytest.mark.parametrize("provider", ["meta", "360dialog", "twilio"])
async def test_outside_the_window_the_message_goes_as_the_reengagement_template(
    isolated: Isolated, phone_sandbox: Any, provider: str
) -> None:
    sandbox = phone_sandbox
    await sandbox.post("/_sandbox/window", json={"enforce": True})
    wire = "sandbox" if provider == "meta" else provider
    config = settings(isolated, sandbox, provider=wire, **REENGAGEMENT)
    async with running_service(create_app, config) as notifier:
        await write_from_phone(sandbox, isolated, provider, WROTE, datetime.now(UTC))
        channel = channel_of(provider)
        await publish(
            isolated.amqp_url,
            lead(channel_id=channel, phone=NEVER_WROTE),
            lead(channel_id=channel, phone=WROTE_AS_TYPED),
        )
        records = {r["to"]: r for r in await sent(sandbox, 2)}
        rows = await settled_rows(isolated, 2)
        stored = rows[NEVER_WROTE]
        resp = await notifier.get(
            f"/v1/messages/{stored['id']}", headers={"X-Waops-Tenant": "demo"}
        )
        shown = (await resp.json())["message"]
    window = await (await sandbox.get("/_sandbox/window")).json()
    assert window["refused"] == []  # the sandbox enforced the window and took both
    # Never wrote: the template, its one variable the message's text, flat as Meta wants it.
    template_send, free_form = records[NEVER_WROTE[1:]], records[WROTE[1:]]
    assert "\n" in stored["body"]
    parameter = template_parameter(stored["body"])
    assert "\n" not in parameter and "EBC2501234" in parameter
    if provider == "twilio":
        assert template_send["content_sid"] == CONTENT_SID
        assert template_send["content_variables"] == {"1": parameter}
        assert "Body" not in template_send["request"]
        sent_as = CONTENT_SID
    else:
        assert template_send["request"]["template"] == {
            "name": "waops_update",
            "language": {"code": "en_US"},
            "components": [{"type": "body", "parameters": [{"type": "text", "text": parameter}]}],
        }
        sent_as = "waops_update"
    assert template_send["type"] == "template"
    assert (stored["status"], stored["reengagement_template"]) == ("sent", sent_as)
    assert shown["reengagement_template"] == sent_as and shown["status"] == "sent"
    # Wrote a moment ago: free-form, as queued.
    assert free_form["type"] == "text" and free_form["body"] == rows[WROTE_AS_TYPED]["body"]
    assert rows[WROTE_AS_TYPED]["reengagement_template"] is None


@pytest.mark.parametrize(("provider", "code"), [("meta", 131047), ("twilio", 63016)])
async def test_without_a_template_it_is_sent_as_before_and_fails(
    isolated: Isolated, phone_sandbox: Any, provider: str, code: int
) -> None:
    sandbox = phone_sandbox
    await sandbox.post("/_sandbox/window", json={"enforce": True})
    wire = "sandbox" if provider == "meta" else provider
    async with (
        EventTap(isolated.amqp_url, "waops.message.#") as tap,
        running_service(create_app, settings(isolated, sandbox, provider=wire)),
    ):
        await publish(isolated.amqp_url, lead(channel_id=channel_of(provider), phone=NEVER_WROTE))
        [failed] = await tap.wait_for("waops.message.failed.v1")
    assert (failed.data["error_code"], failed.data["provider"]) == (code, provider)
    stored = (await rows_by_phone(isolated))[NEVER_WROTE]
    assert (stored["status"], stored["error_code"], stored["attempts"]) == ("failed", code, 1)
    assert stored["reengagement_template"] is None
    [refused] = (await (await sandbox.get("/_sandbox/window")).json())["refused"]
    assert refused["type"] == "text" and refused["to"] == NEVER_WROTE[1:]
    assert await (await sandbox.get("/_sandbox/sent")).json() == []


async def test_the_last_time_a_person_wrote_decides_and_only_the_latest_counts(
    isolated: Isolated, phone_sandbox: Any
) -> None:
    sandbox = phone_sandbox
    await sandbox.post("/_sandbox/window", json={"enforce": True})
    now = datetime.now(UTC).replace(microsecond=0)
    yesterday = now - timedelta(hours=25)
    handled_before = consumed("notifier.inbound", MessageReceived.event_type, "handled")
    async with running_service(create_app, settings(isolated, sandbox, **REENGAGEMENT)):
        await write_from_phone(sandbox, isolated, "meta", WROTE, yesterday)
        # Redelivered late, an older message and WhatsApp's own notice change nothing.
        await publish(
            isolated.amqp_url,
            received("meta", WROTE, yesterday - timedelta(days=2)),
            received("meta", WROTE, now, kind="system"),
        )

        async def all_handled() -> bool:
            done = consumed("notifier.inbound", MessageReceived.event_type, "handled")
            return done >= handled_before + 3

        await eventually(all_handled, what="every message.received handled")
        await publish(isolated.amqp_url, lead(phone=WROTE))
        [record] = await sent(sandbox)
    assert record["type"] == "template"  # 25 hours ago: the window is shut
    async with service_db(isolated, "notifier") as db:
        rows = await db.fetch("SELECT channel_id, phone, at FROM last_inbound")
    assert [tuple(r) for r in rows] == [(CHANNEL, WROTE, yesterday)]
