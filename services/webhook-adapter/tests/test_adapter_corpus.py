"""The corpus of real-shaped webhooks, every message type and status of each provider:
read by the parser (pure), then posted through each door on real PostgreSQL and RabbitMQ.

Each tests/corpus/<provider>/*.json holds a webhook as the provider sends it (``payload``
for the Cloud API family, ``params`` for Twilio's form), the events it must become
(``expected``: type and data, fields at their default left out) and the problems it must be
quarantined for (``problems``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from waops_contracts import Envelope
from waops_contracts.events import MessageReceived, MessageStatus
from webhook_adapter.domain import meta, twilio
from webhook_adapter.domain.inbound import Batch

StartAdapter = Any  # the start_adapter fixture (tests/conftest.py)

ROOT = Path(__file__).parent / "corpus"
# Twilio sends no timestamp: the receipt time stands in; the corpus fixes it.
TWILIO_RECEIVED_AT = datetime(2025, 1, 10, 9, 15, tzinfo=UTC)
PROVIDER_OF_DIR = {"meta": "meta", "360dialog": "360dialog", "twilio": "twilio"}


@dataclass(frozen=True)
class Case:
    door: str
    name: str
    description: str
    raw: dict[str, Any]  # the payload, or Twilio's params
    expected: list[dict[str, Any]]
    problems: list[str]

    @property
    def id(self) -> str:
        return f"{self.door}/{self.name}"


def cases(door: str) -> list[Case]:
    found = []
    for path in sorted((ROOT / door).glob("*.json")):
        data = json.loads(path.read_text())
        found.append(
            Case(
                door=door,
                name=path.stem,
                description=data["description"],
                raw=data.get("payload") or data["params"],
                expected=data.get("expected", []),
                problems=data.get("problems", []),
            )
        )
    return found


def parse(case: Case) -> list[Batch]:
    if case.door == "twilio":
        return [twilio.read_params(case.raw, TWILIO_RECEIVED_AT)]
    return meta.read_changes(case.raw)


def normalized(case: Case) -> tuple[list[dict[str, Any]], list[str]]:
    """The events (as the corpus spells them) and problems the parser makes of a case; the
    channel is the address each part names, as the registry makes it."""
    events, problems = [], []
    for batch in parse(case):
        problems.extend(batch.problems)
        for update in [*batch.messages, *batch.statuses]:
            assert batch.address is not None
            event = update.event(PROVIDER_OF_DIR[case.door], batch.address)  # type: ignore[arg-type]
            events.append(
                {
                    "type": event.event_type,
                    "data": event.model_dump(mode="json", exclude_defaults=True),
                }
            )
    return events, problems


ALL = [*cases("meta"), *cases("360dialog"), *cases("twilio")]
MODELS = {MessageReceived.event_type: MessageReceived, MessageStatus.event_type: MessageStatus}


def test_the_corpus_covers_every_kind_and_status() -> None:
    def kinds(door: str) -> set[str]:
        return {
            e["data"].get("kind") or e["data"]["status"] for c in cases(door) for e in c.expected
        }

    everything = {
        *("text", "image", "audio", "video", "document", "sticker", "location", "contacts"),
        *("button_reply", "list_reply", "quick_reply", "reaction", "order", "system"),
        *("unsupported", "sent", "delivered", "read", "failed"),
    }
    assert kinds("meta") == everything
    # What Twilio's WhatsApp webhooks carry (no contacts/order/system/reaction content).
    assert kinds("twilio") == everything - {"contacts", "order", "system", "reaction"}
    assert {"text", "image", "button_reply", "read", "failed"} <= kinds("360dialog")


@pytest.mark.parametrize("case", ALL, ids=lambda c: c.id)
def test_each_webhook_becomes_its_expected_events(case: Case) -> None:
    events, problems = normalized(case)
    assert events == case.expected, case.description
    assert problems == case.problems
    for event in case.expected:  # the expectations are valid events themselves
        MODELS[event["type"]].model_validate(event["data"])


def test_replies_carry_their_title_as_text_for_free_text_understanding() -> None:
    for case in ALL:
        for event in case.expected:
            reply = event["data"].get("reply")
            if reply is not None:
                assert event["data"]["text"] == reply["title"], case.id


def comparable(env: Envelope, *, clock_free: bool) -> dict[str, Any]:
    """An event as the corpus spells it; media refs checked, then left out (they are the
    media store's), and for Twilio the receipt time too (Twilio sends none)."""
    data = MODELS[env.type].model_validate(env.data).model_dump(mode="json", exclude_defaults=True)
    for media in [data.get("media"), *data.get("extra_media", [])]:
        if media is not None:
            assert isinstance(media.pop("ref"), str) and media  # registered, in the same tx
    if clock_free:
        data.pop("sent_at", None)
        data.pop("occurred_at", None)
    return {"type": env.type, "data": data}


def expected_of(door: str, *, clock_free: bool) -> list[str]:
    found = []
    for case in cases(door):
        for event in case.expected:
            data = dict(event["data"])
            if clock_free:
                data.pop("sent_at", None)
                data.pop("occurred_at", None)
            found.append(json.dumps({"type": event["type"], "data": data}, sort_keys=True))
    return sorted(found)


@pytest.mark.integration
async def test_the_meta_corpus_through_the_door(start_adapter: StartAdapter) -> None:
    async with start_adapter(provider="meta") as adapter:
        for case in cases("meta"):
            assert (await adapter.post(case.raw))[0] == 200, case.id
        want = expected_of("meta", clock_free=False)
        got = [comparable(e, clock_free=False) for e in await adapter.published(len(want))]
        assert sorted(json.dumps(g, sort_keys=True) for g in got) == want
        reasons = [
            r["reason"]
            for r in await adapter.db.fetch(
                "SELECT reason FROM webhook_events WHERE status = 'quarantined' ORDER BY id"
            )
        ]
        assert reasons == ["; ".join(c.problems) for c in cases("meta") if c.problems]


@pytest.mark.integration
async def test_the_360dialog_corpus_through_the_door(start_adapter: StartAdapter) -> None:
    async with start_adapter(provider="360dialog", meta_phone_number_id="360000000001") as adapter:
        for case in cases("360dialog"):
            assert (await adapter.post_d360(case.raw)) == (200, {"status": "ok"}), case.id
        want = expected_of("360dialog", clock_free=False)
        got = [comparable(e, clock_free=False) for e in await adapter.published(len(want))]
        assert sorted(json.dumps(g, sort_keys=True) for g in got) == want
        assert await adapter.count("webhook_events", "provider = '360dialog'") == len(
            cases("360dialog")
        )


@pytest.mark.integration
async def test_the_twilio_corpus_through_the_door(start_adapter: StartAdapter) -> None:
    async with start_adapter(provider="twilio") as adapter:
        for case in cases("twilio"):
            status, answer = await adapter.post_twilio(case.raw)
            assert (status, answer) == (
                200,
                '<?xml version="1.0" encoding="UTF-8"?><Response/>',
            ), case.id
        want = expected_of("twilio", clock_free=True)
        got = [comparable(e, clock_free=True) for e in await adapter.published(len(want))]
        assert sorted(json.dumps(g, sort_keys=True) for g in got) == want
        # Every callback is in the raw log, the queued one too, though it has no event.
        assert await adapter.count("webhook_events", "provider = 'twilio'") == len(cases("twilio"))
        undelivered = await adapter.db.fetchrow(
            "SELECT status, provider_status FROM message_statuses"
            " WHERE provider_message_id = 'SMOUT0000000000000000000000000002'"
        )
        assert tuple(undelivered) == ("failed", "undelivered")
