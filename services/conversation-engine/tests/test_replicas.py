"""Two conversation-engine replicas on one database and one vhost: one conversation's
messages are still handled in the order they were published, even when the replica that
was handling them stops in the middle of the burst."""

from __future__ import annotations

import contextlib
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from conversation_engine.bootstrap import create_app
from waops_testing.plugin import Isolated
from waops_testing.poll import eventually
from waops_testing.services import EventTap, publish, running_service, service_db

sys.path.insert(0, str(Path(__file__).parent))  # the tests' shared helpers (importlib mode)
from conversation_support import (
    CUSTOMER,
    SENT_AT,
    engine_settings,
    received,
    replies_to,
    sealer,
)

pytestmark = pytest.mark.integration

BURST = 40


async def test_one_conversations_messages_stay_in_order_across_two_replicas(
    isolated: Isolated,
) -> None:
    texts = [f"message {i}" for i in range(BURST)]
    messages = [
        received(
            text, provider_message_id=f"wamid.burst-{i}", sent_at=SENT_AT + timedelta(minutes=i)
        )
        for i, text in enumerate(texts)
    ]
    settings = engine_settings(isolated)
    async with (
        EventTap(isolated.amqp_url, "waops.conversation.reply_requested.v1") as tap,
        service_db(isolated, "conversation_engine") as db,
        contextlib.AsyncExitStack() as active,
        contextlib.AsyncExitStack() as standby,
    ):
        # Started first, the first replica is every partition's single active consumer; the
        # second waits as the standby.
        await active.enter_async_context(running_service(create_app, settings))
        await standby.enter_async_context(running_service(create_app, settings))

        async def recorded() -> int:
            count: int = await db.fetchval("SELECT count(*) FROM messages")
            return count

        await publish(isolated.amqp_url, *messages[: BURST // 2])

        async def some_handled() -> bool:
            return await recorded() > 0

        await eventually(some_handled, what="the first messages")
        # The active replica stops mid-burst: what it had not finished, and everything after,
        # goes to the standby, in order.
        await active.aclose()
        await publish(isolated.amqp_url, *messages[BURST // 2 :])

        async def all_recorded() -> bool:
            return await recorded() == BURST

        await eventually(all_recorded, timeout=60, what=f"{BURST} recorded messages")
        rows = await db.fetch("SELECT body_sealed FROM messages ORDER BY id")
        assert [sealer().unseal(r["body_sealed"]) for r in rows] == texts

        # Each message got its one answer (the two relays may interleave their publishing,
        # so the order of the replies on the broker is not the point: each is there once).
        await tap.wait_for("waops.conversation.reply_requested.v1", count=BURST, timeout=60)
        await tap.settled()
        answered = sorted(r["in_reply_to"] for r in replies_to(tap, CUSTOMER))
        assert answered == sorted(m.data["provider_message_id"] for m in messages)
