"""Authentic Meta webhooks on real PostgreSQL and RabbitMQ: stored, deduplicated, published."""

from __future__ import annotations

import asyncio
import copy
from datetime import UTC, datetime
from typing import Any

import pytest
from waops_contracts import stable_event_id
from waops_contracts.events import MessageReceived, MessageStatus
from waops_sandbox import encode, status_webhook, text_message_webhook

pytestmark = pytest.mark.integration

StartAdapter = Any  # the start_adapter fixture (tests/conftest.py)
CHANNEL = "109876543210"  # the default channel's phone_number_id
DISPLAY = "+1 555 078 3881"
PHONE = "+9779841234567"
ENQUIRY = "Hi! I'm interested in the Everest Base Camp Trek for 3 people in March 2025"


def texted(text: str = ENQUIRY, *, phone: str = PHONE, wamid: str = "wamid.m1", **kw: Any) -> dict:
    return text_message_webhook(CHANNEL, DISPLAY, phone, "Asha", text, message_id=wamid, **kw)


def value_of(payload: dict) -> dict:
    value: dict = payload["entry"][0]["changes"][0]["value"]
    return value


def batch(*payloads: dict) -> dict:
    """Several updates of one number in one POST, as Meta batches them."""
    merged = copy.deepcopy(payloads[0])
    into = value_of(merged)
    for extra in payloads[1:]:
        for key in ("contacts", "messages", "statuses"):
            if key in value_of(extra):
                into.setdefault(key, []).extend(value_of(extra)[key])
    return merged


async def test_a_text_message_becomes_one_message_received(start_adapter: StartAdapter) -> None:
    async with start_adapter() as adapter:
        status, body = await adapter.post(texted(timestamp=1736500500))
        assert (status, body) == (200, {"status": "ok"})

        [env] = await adapter.published(1)
        assert env.type == MessageReceived.event_type
        assert env.id == stable_event_id("meta", "wamid.m1")
        assert env.source == "waops/webhook-adapter"
        assert env.tenantid == "demo"
        assert env.subject == f"PHONE/{PHONE}"
        assert env.partitionkey == f"{CHANNEL}:{PHONE}"
        event = MessageReceived.model_validate(env.data)
        assert event == MessageReceived(
            provider="sandbox",
            channel_id=CHANNEL,
            provider_message_id="wamid.m1",
            from_phone=PHONE,
            profile_name="Asha",
            sent_at=datetime.fromtimestamp(1736500500, UTC),
            kind="text",
            text=ENQUIRY,
        )
        row = await adapter.db.fetchrow("SELECT * FROM webhook_events")
        assert (row["status"], row["signature_ok"], row["reason"]) == ("processed", True, None)
        assert bytes(row["body"]).startswith(b'{"object":"whatsapp_business_account"')


async def test_the_same_webhook_five_times_is_one_message(start_adapter: StartAdapter) -> None:
    async with start_adapter() as adapter:
        payload = texted(wamid="wamid.retried")
        first = await adapter.post(payload)
        concurrent = await asyncio.gather(*(adapter.post(payload) for _ in range(3)))
        last = await adapter.post(payload)
        assert {s for s, _ in (first, *concurrent, last)} == {200}

        assert await adapter.count("webhook_events") == 5  # every delivery is in the raw log
        assert await adapter.count("inbound_messages") == 1
        [env] = await adapter.published(1)
        assert env.data["provider_message_id"] == "wamid.retried"


async def test_a_repeat_within_one_batch_is_one_event(start_adapter: StartAdapter) -> None:
    delivered = status_webhook(CHANNEL, DISPLAY, "wamid.out", PHONE, "delivered")
    payload = batch(texted(wamid="wamid.twice"), texted(wamid="wamid.twice"), delivered, delivered)
    async with start_adapter() as adapter:
        assert (await adapter.post(payload))[0] == 200
        assert await adapter.count("inbound_messages") == 1
        assert await adapter.count("message_statuses") == 1
        envs = await adapter.published(2)
        assert [e.type for e in envs] == [MessageReceived.event_type, MessageStatus.event_type]


async def test_non_ascii_text_verifies_against_metas_escaped_bytes(
    start_adapter: StartAdapter,
) -> None:
    text = "नमस्ते 🙏 Everest in <March>? 50% off / a@b.np — “quoted” \\ done"
    async with start_adapter() as adapter:
        payload = texted(text, wamid="wamid.unicode")
        status, _ = await adapter.post(payload)
        assert status == 200
        [env] = await adapter.published(1)
        assert env.data["text"] == text


async def test_a_two_mib_batch_is_accepted(start_adapter: StartAdapter) -> None:
    line = "x" * 4000  # near WhatsApp's 4096-character text limit
    payloads = [texted(line, phone=f"+97798{i:08d}", wamid=f"wamid.big{i}") for i in range(540)]
    async with start_adapter() as adapter:
        big = batch(*payloads)
        assert len(encode(big)) > 2 * 1024 * 1024
        status, body = await adapter.post(big)
        assert (status, body) == (200, {"status": "ok"})
        assert await adapter.count("inbound_messages") == 540
        assert len(await adapter.published(540)) == 540


async def test_an_unknown_number_is_quarantined_not_published(start_adapter: StartAdapter) -> None:
    async with start_adapter() as adapter:
        payload = text_message_webhook("999000111", DISPLAY, PHONE, "Asha", "hello")
        status, body = await adapter.post(payload)
        assert (status, body) == (200, {"status": "ok"})
        row = await adapter.db.fetchrow("SELECT status, reason FROM webhook_events")
        assert row["status"] == "quarantined"
        assert "999000111" in row["reason"]
        assert await adapter.count("inbound_messages") == 0
        assert await adapter.published(0) == []


async def test_statuses_are_published_once_per_status(start_adapter: StartAdapter) -> None:
    async with start_adapter() as adapter:
        delivered = status_webhook(
            CHANNEL, DISPLAY, "wamid.out1", PHONE, "delivered", timestamp=1736500503
        )
        assert (await adapter.post(delivered))[0] == 200
        assert (await adapter.post(delivered))[0] == 200  # Meta's retry
        failed = status_webhook(CHANNEL, DISPLAY, "wamid.out2", PHONE, "failed")
        assert (await adapter.post(failed))[0] == 200

        assert await adapter.count("message_statuses") == 2
        first, second = await adapter.published(2)
        assert first.id == stable_event_id("meta", "wamid.out1", "delivered")
        assert first.partitionkey == f"{CHANNEL}:{PHONE}"
        status = MessageStatus.model_validate(first.data)
        assert status.conversation is not None and status.pricing is not None
        assert (status.pricing.category, status.conversation.origin_type) == ("service", "service")
        assert status.model_copy(update={"conversation": None, "pricing": None}) == MessageStatus(
            provider="sandbox",
            channel_id=CHANNEL,
            provider_message_id="wamid.out1",
            recipient_phone=PHONE,
            status="delivered",
            provider_status="delivered",
            occurred_at=datetime.fromtimestamp(1736500503, UTC),
        )
        failure = MessageStatus.model_validate(second.data)
        assert (failure.status, failure.error_code) == ("failed", 131026)
        assert failure.error_title == "Message undeliverable"

        read = status_webhook(CHANNEL, DISPLAY, "wamid.out1", PHONE, "read")
        assert (await adapter.post(read))[0] == 200
        [*_, later] = await adapter.published(3)
        assert later.data["status"] == "read"


async def test_a_batch_of_two_messages_is_two_events_and_media_is_kept(
    start_adapter: StartAdapter,
) -> None:
    other = "+14155550123"
    image = texted(phone=other, wamid="wamid.photo")
    value_of(image)["messages"][0].pop("text")
    value_of(image)["messages"][0].update(
        type="image",
        image={"id": "media-1", "mime_type": "image/jpeg", "sha256": "abc", "caption": "Summit!"},
        context={"from": "15550783881", "id": "wamid.earlier"},
    )
    async with start_adapter() as adapter:
        status, _ = await adapter.post(batch(texted(wamid="wamid.a"), image))
        assert status == 200
        envs = await adapter.published(2)
        assert [e.data["provider_message_id"] for e in envs] == ["wamid.a", "wamid.photo"]
        photo = MessageReceived.model_validate(envs[1].data)
        assert (photo.kind, photo.text, photo.from_phone) == ("image", None, other)
        assert photo.media is not None and photo.media.provider_media_id == "media-1"
        assert (photo.media.caption, photo.reply_to_message_id) == ("Summit!", "wamid.earlier")
        assert envs[1].partitionkey == f"{CHANNEL}:{other}"


async def test_a_type_waops_cannot_read_is_still_published(start_adapter: StartAdapter) -> None:
    async with start_adapter() as adapter:
        poll = texted(wamid="wamid.poll")
        message = value_of(poll)["messages"][0]
        message.pop("text")
        message.update(type="poll", poll={"question": "Which trek?"})
        assert (await adapter.post(poll))[0] == 200
        [env] = await adapter.published(1)
        event = MessageReceived.model_validate(env.data)
        assert (event.kind, event.raw_type, event.supported) == ("unsupported", "poll", False)


async def test_an_unreadable_item_quarantines_the_webhook_but_keeps_the_rest(
    start_adapter: StartAdapter,
) -> None:
    async with start_adapter() as adapter:
        payload = texted(wamid="wamid.good")
        broken = {**value_of(payload)["messages"][0], "id": "wamid.broken", "from": ""}
        value_of(payload)["messages"].append(broken)
        assert (await adapter.post(payload))[0] == 200
        [env] = await adapter.published(1)
        assert env.data["provider_message_id"] == "wamid.good"
        row = await adapter.db.fetchrow("SELECT status, reason FROM webhook_events")
        assert row["status"] == "quarantined"
        assert "wamid.broken" in row["reason"]
