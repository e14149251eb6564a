"""Group commit: webhooks stored together in one transaction get exactly the outcome each
would get alone, and a group that fails is retried webhook by webhook, so one bad webhook
never fails the others. Real PostgreSQL and RabbitMQ, the adapter's own engine and writer."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy.exc import DBAPIError
from waops_sandbox import encode, status_webhook, text_message_webhook
from waops_service_kit import RUNTIME
from webhook_adapter.domain import meta
from webhook_adapter.handlers.group_commit import GroupCommit
from webhook_adapter.handlers.ingest import Outcome, Webhook

pytestmark = pytest.mark.integration

StartAdapter = Any  # the start_adapter fixture (tests/conftest.py)
CHANNEL = "109876543210"  # the default channel's phone_number_id
UNKNOWN = "555000111222"
DISPLAY = "+1 555 078 3881"
PHONE = "+9779841234567"
REFUSED = f"unknown channel {UNKNOWN} (no registered meta number)"


def webhook(payload: dict[str, Any], **headers: str) -> Webhook:
    body = encode(payload)
    return Webhook(
        door="meta",
        body=body,
        headers={"Content-Type": "application/json", **headers},
        batches=meta.read_changes(meta.decode_webhook(body)),
    )


def texted(wamid: str, *, channel: str = CHANNEL, **headers: str) -> Webhook:
    payload = text_message_webhook(channel, DISPLAY, PHONE, "Asha", "hi", message_id=wamid)
    return webhook(payload, **headers)


def one_group(adapter: Any) -> GroupCommit:
    """One slot: webhooks submitted in the same turn of the event loop form one group."""
    runtime = adapter.client.server.app[RUNTIME]
    return GroupCommit(runtime.engine, runtime.writer, slots=1)


async def test_a_group_gives_each_webhook_its_own_exact_outcome(
    start_adapter: StartAdapter,
) -> None:
    async with start_adapter() as adapter:
        group = one_group(adapter)
        first, again, unknown, status = await asyncio.gather(
            group.ingest(texted("wamid.g1")),
            group.ingest(texted("wamid.g1")),  # the same message, redelivered
            group.ingest(texted("wamid.g2", channel=UNKNOWN)),
            group.ingest(
                webhook(status_webhook(CHANNEL, DISPLAY, "wamid.sent", PHONE, "delivered"))
            ),
        )
        # One transaction for all four: their raw log rows share the transaction id.
        assert (
            await adapter.db.fetchval("SELECT count(DISTINCT xmin::text) FROM webhook_events") == 1
        )
        assert group.fallbacks == 0

        assert (first.published, first.duplicates, first.problems) == (1, 0, [])
        assert (again.published, again.duplicates, again.problems) == (0, 1, [])
        assert (unknown.published, unknown.problems) == (0, [REFUSED])
        assert (status.published, status.duplicates) == (1, 0)
        rows = {
            r["id"]: (r["status"], r["reason"])
            for r in await adapter.db.fetch("SELECT id, status, reason FROM webhook_events")
        }
        assert rows == {
            first.webhook_event_id: ("processed", None),
            again.webhook_event_id: ("processed", None),
            unknown.webhook_event_id: ("quarantined", REFUSED),
            status.webhook_event_id: ("processed", None),
        }
        # The earlier of the two deliveries owns the message's dedup record.
        owner = await adapter.db.fetchval(
            "SELECT webhook_event_id FROM inbound_messages WHERE provider_message_id = 'wamid.g1'"
        )
        assert owner == first.webhook_event_id
        published = await adapter.published(2)
        assert sorted(e.data["provider_message_id"] for e in published) == [
            "wamid.g1",
            "wamid.sent",
        ]


async def test_a_failed_group_is_retried_webhook_by_webhook(start_adapter: StartAdapter) -> None:
    async with start_adapter() as adapter:
        group = one_group(adapter)
        # jsonb refuses \u0000: this webhook's raw log row cannot be stored, alone or not.
        results = await asyncio.gather(
            group.ingest(texted("wamid.ok1")),
            group.ingest(texted("wamid.bad", **{"X-Broken": "a\x00b"})),
            group.ingest(texted("wamid.ok2")),
            return_exceptions=True,
        )
        assert group.fallbacks == 1
        ok1, bad, ok2 = results
        assert isinstance(bad, DBAPIError)
        assert isinstance(ok1, Outcome) and ok1.published == 1
        assert isinstance(ok2, Outcome) and ok2.published == 1
        stored = await adapter.db.fetch(
            "SELECT provider_message_id FROM inbound_messages ORDER BY provider_message_id"
        )
        assert [r["provider_message_id"] for r in stored] == ["wamid.ok1", "wamid.ok2"]
        assert await adapter.count("webhook_events") == 2
        published = await adapter.published(2)
        assert sorted(e.data["provider_message_id"] for e in published) == [
            "wamid.ok1",
            "wamid.ok2",
        ]


async def test_concurrent_deliveries_of_one_message_publish_it_once(
    start_adapter: StartAdapter,
) -> None:
    """Through the door, many at once (whatever groups they form): every delivery is
    answered 200 after commit and the message is published exactly once."""
    async with start_adapter() as adapter:
        payload = text_message_webhook(CHANNEL, DISPLAY, PHONE, "Asha", "hi", message_id="wamid.c")
        others = [
            text_message_webhook(CHANNEL, DISPLAY, PHONE, "Asha", "hi", message_id=f"wamid.c{i}")
            for i in range(10)
        ]
        answers = await asyncio.gather(
            *(adapter.post(payload) for _ in range(10)), *(adapter.post(p) for p in others)
        )
        assert [status for status, _ in answers] == [200] * 20
        assert await adapter.count("webhook_events") == 20
        assert await adapter.count("inbound_messages") == 11
        published = await adapter.published(11)
        assert sorted(e.data["provider_message_id"] for e in published) == sorted(
            ["wamid.c"] + [f"wamid.c{i}" for i in range(10)]
        )
