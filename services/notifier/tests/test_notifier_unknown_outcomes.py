"""A send is never repeated blindly (ADR 0026), on real PostgreSQL and RabbitMQ against the
sandbox: an answer the database could not take at once is recorded when it can, a send whose
sender died is reconciled by the provider's status naming it, and only a send nobody ever
reported is queued again — once, counted."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest
from dispatch_support import CHANNEL, CUSTOMER, lead, sent, settings
from notifier.adapters.outbound import queue_message
from notifier.adapters.statuses import record_send, record_status
from notifier.bootstrap import create_app
from notifier.domain.lifecycle import StatusReport
from prometheus_client import REGISTRY
from sqlalchemy import text
from waops_contracts import Envelope
from waops_contracts.events import MessageStatus
from waops_service_kit.db import asyncpg_dsn, create_engine
from waops_service_kit.provision import role_for
from waops_testing.plugin import Isolated
from waops_testing.poll import eventually
from waops_testing.services import EventTap, publish, running_service, service_db

pytestmark = pytest.mark.integration


def metric(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def outbound_row(isolated: Isolated, **where: str) -> dict[str, Any] | None:
    async with service_db(isolated, "notifier") as db:
        clause = " AND ".join(f"{k} = ${i + 1}" for i, k in enumerate(where)) or "true"
        found = await db.fetchrow(
            f"SELECT * FROM outbound_messages WHERE {clause} ORDER BY seq LIMIT 1",
            *where.values(),
        )
    return dict(found) if found is not None else None


async def test_an_answer_the_database_refuses_at_first_is_recorded_and_never_resent(
    isolated: Isolated, sandbox: Any
) -> None:
    # The notifier's role waits at most 200 ms for a row lock: the test's lock on the
    # message makes recording the provider's answer fail (55P03) until it lets go.
    admin = await asyncpg.connect(asyncpg_dsn(isolated.admin_url))
    await admin.execute(
        f'ALTER ROLE {role_for("notifier")} IN DATABASE "{isolated.database}"'
        " SET lock_timeout = '200ms'"
    )
    retries_before = metric("waops_notifier_record_retries_total", outcome="sent")
    # The send takes a second: time to lock the row between the claim and the answer.
    await sandbox.post("/_sandbox/faults", json={"delay": 1.0, "times": 1})
    config = settings(isolated, sandbox, send_lease=1.0, unknown_resend_after=1.0)
    try:
        async with (
            EventTap(isolated.amqp_url, "waops.message.sent.v1") as tap,
            running_service(create_app, config),
        ):
            await publish(isolated.amqp_url, lead())
            claimed = await eventually(
                lambda: outbound_row(isolated, status="sending"), what="the message claimed"
            )
            locker = await asyncpg.connect(asyncpg_dsn(isolated.admin_url))
            lock = locker.transaction()
            await lock.start()
            await locker.execute(
                "SELECT 1 FROM notifier.outbound_messages WHERE id = $1 FOR UPDATE", claimed["id"]
            )
            await sent(sandbox)  # the provider took it
            await eventually(
                lambda: (
                    metric("waops_notifier_record_retries_total", outcome="sent")
                    >= retries_before + 3
                ),
                what="the answer's recording retried past the lease",
            )
            await lock.rollback()
            await locker.close()
            recorded = await eventually(
                lambda: outbound_row(isolated, status="sent"), what="the send recorded"
            )
            [event] = await tap.wait_for("waops.message.sent.v1")
        assert event.data["outbound_id"] == str(recorded["id"])
        assert recorded["attempts"] == 1
        assert len(await (await sandbox.get("/_sandbox/sent")).json()) == 1
    finally:
        await admin.execute(
            f'ALTER ROLE {role_for("notifier")} IN DATABASE "{isolated.database}"'
            " RESET lock_timeout"
        )
        await admin.close()


async def _stage_a_dead_senders_message(isolated: Isolated, config: Any) -> str:
    """A message claimed by a sender that died: 'sending', its lease already run out."""
    engine = create_engine(config.database_url, "notifier")
    try:
        async with engine.begin() as conn:
            await queue_message(
                conn,
                tenant_id="demo",
                dedupe_key=f"dead-{uuid.uuid4()}",
                channel_id=CHANNEL,
                to_phone=CUSTOMER,
                template="raw",
                language="en",
                body="Your booking EBC-2501234 is confirmed.",
                correlation_id="c",
                causation_id="c",
            )
            outbound_id = await conn.scalar(
                text(
                    "UPDATE outbound_messages SET status = 'sending', attempts = 1,"
                    " claimed_until = now() - interval '1 second' RETURNING id"
                )
            )
    finally:
        await engine.dispose()
    return str(outbound_id)


def status_naming(outbound_id: str, wamid: str) -> Envelope:
    return Envelope.wrap(
        MessageStatus(
            provider="meta",
            channel_id=CHANNEL,
            provider_message_id=wamid,
            recipient_phone=CUSTOMER,
            status="delivered",
            occurred_at=datetime.now(UTC),
            client_reference=outbound_id,
        ),
        source="waops/webhook-adapter",
        tenant_id="demo",
    )


@pytest.mark.parametrize("status_first", [False, True], ids=["unknown-first", "status-first"])
async def test_a_dead_senders_send_is_reconciled_by_the_status_naming_it(
    isolated: Isolated, sandbox: Any, status_first: bool
) -> None:
    config = settings(isolated, sandbox, unknown_resend_after=300.0)
    # The service's migrations first, then the stand-in of what a dead sender left.
    async with running_service(create_app, config):
        pass
    outbound_id = await _stage_a_dead_senders_message(isolated, config)
    wamid = f"wamid.{uuid.uuid4().hex}"
    reconciled_before = metric("waops_notifier_unknown_outcomes_total", outcome="reconciled")
    async with EventTap(isolated.amqp_url, "waops.message.sent.v1") as tap:
        if status_first:  # the webhook beat the lease's end: kept, then matched at the sweep
            await publish(isolated.amqp_url, status_naming(outbound_id, wamid))
        async with running_service(create_app, config):
            if not status_first:
                await eventually(
                    lambda: outbound_row(isolated, status="unknown"), what="the send unknown"
                )
                await eventually(
                    lambda: metric("waops_notifier_outbound_pending", status="unknown") == 1,
                    what="the unknown send in the backlog gauge",
                )
                await publish(isolated.amqp_url, status_naming(outbound_id, wamid))
            recorded = await eventually(
                lambda: outbound_row(isolated, status="delivered"), what="the send reconciled"
            )
            [event] = await tap.wait_for("waops.message.sent.v1")
    assert str(recorded["id"]) == outbound_id and recorded["provider_message_id"] == wamid
    assert event.data["provider_message_id"] == wamid
    assert await (await sandbox.get("/_sandbox/sent")).json() == []  # never sent again
    assert (
        metric("waops_notifier_unknown_outcomes_total", outcome="reconciled")
        == reconciled_before + 1
    )


async def test_a_send_nobody_ever_reported_is_sent_again_once(
    isolated: Isolated, sandbox: Any
) -> None:
    config = settings(isolated, sandbox, unknown_resend_after=0.5)
    async with running_service(create_app, config):
        pass
    outbound_id = await _stage_a_dead_senders_message(isolated, config)
    resent_before = metric("waops_notifier_unknown_outcomes_total", outcome="resent")
    async with running_service(create_app, config):
        [message] = await sent(sandbox)
        recorded = await eventually(
            lambda: outbound_row(isolated, status="sent"), what="the resend recorded"
        )
    assert str(recorded["id"]) == outbound_id and recorded["attempts"] == 2
    assert message["request"]["biz_opaque_callback_data"] == outbound_id
    assert metric("waops_notifier_unknown_outcomes_total", outcome="resent") == resent_before + 1


async def test_a_status_racing_the_record_of_its_send_is_never_orphaned(
    isolated: Isolated, sandbox: Any
) -> None:
    """The provider's 'read' can arrive while the send's record is still uncommitted: it
    waits for that commit and joins its message, instead of being kept unattached forever."""
    config = settings(isolated, sandbox)
    async with running_service(create_app, config):
        pass
    outbound_id = await _stage_a_dead_senders_message(isolated, config)
    wamid = f"wamid.{uuid.uuid4().hex}"
    engine = create_engine(config.database_url, "notifier")
    try:
        recording = await engine.connect()
        record = await recording.begin()
        await recording.execute(
            text(
                "UPDATE outbound_messages SET status = 'sent', provider = 'meta',"
                " provider_message_id = :pm WHERE id = :id"
            ),
            {"pm": wamid, "id": outbound_id},
        )
        await record_send(
            recording,
            outbound_id=outbound_id,
            provider="meta",
            channel_id=CHANNEL,
            provider_message_id=wamid,
        )

        async def the_read_arrives() -> Any:
            async with engine.begin() as conn:
                return await record_status(
                    conn,
                    provider="meta",
                    channel_id=CHANNEL,
                    provider_message_id=wamid,
                    report=StatusReport("read", datetime.now(UTC)),
                )

        read = asyncio.create_task(the_read_arrives())
        async with service_db(isolated, "notifier") as db:

            async def the_read_waits() -> bool:
                return bool(
                    await db.fetchval(
                        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                    )
                )

            await eventually(the_read_waits, what="the status waiting for the send's record")
        await record.commit()
        await recording.close()
        applied = await asyncio.wait_for(read, 15)
    finally:
        await engine.dispose()
    assert applied.outcome == "applied" and applied.after is not None
    assert applied.after.status == "read"
