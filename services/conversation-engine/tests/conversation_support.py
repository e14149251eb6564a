"""Shared helpers of the conversation engine's service tests (imported by path: the tests
run in importlib mode)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from conversation_engine.adapters.sealing import Sealer
from conversation_engine.settings import ConversationSettings
from waops_contracts import Envelope, stable_event_id
from waops_contracts.events import MessageReceived
from waops_service_kit.sealing import BlindIndex, Keyring
from waops_testing.plugin import Isolated
from waops_testing.services import EventTap, settings_for

TENANT = {"X-Waops-Tenant": "demo"}
CHANNEL = "109876543210"
CUSTOMER = "+9779841234567"
SENT_AT = datetime(2025, 1, 10, 9, 15, tzinfo=UTC)

# This run's keys, as devstack and deployments give them (WAOPS_CONVERSATION_KEYS and
# WAOPS_CONVERSATION_INDEX_KEY).
KEYS = Keyring.generate_key()
INDEX_KEY = BlindIndex.generate_key()


def engine_settings(isolated: Isolated, **overrides: Any) -> ConversationSettings:
    keys = {"conversation_keys": KEYS, "conversation_index_key": INDEX_KEY}
    return settings_for(
        ConversationSettings, isolated, "conversation_engine", **{**keys, **overrides}
    )


def sealer() -> Sealer:
    return Sealer(KEYS, INDEX_KEY)


def received(
    text: str | None,
    *,
    provider_message_id: str,
    phone: str = CUSTOMER,
    sent_at: datetime = SENT_AT,
    name: str | None = "Asha",
    kind: str = "text",
) -> Envelope:
    """A MessageReceived as the webhook adapter publishes it (keyed by conversation)."""
    return Envelope.wrap(
        MessageReceived(
            provider="sandbox",
            channel_id=CHANNEL,
            provider_message_id=provider_message_id,
            from_phone=phone,
            profile_name=name,
            sent_at=sent_at,
            kind=kind,
            text=text,
        ),
        source="waops/webhook-adapter",
        tenant_id="demo",
        event_id=stable_event_id("sandbox", provider_message_id),
        partition_key=f"{CHANNEL}:{phone}",
    )


def from_core(event: Any, subject: str) -> Envelope:
    return Envelope.wrap(event, source="waops/core", tenant_id="demo", subject=subject)


async def get_json(client: Any, path: str) -> dict[str, Any]:
    resp = await client.get(path, headers=TENANT)
    body: dict[str, Any] = await resp.json()
    return body


def phone_query(phone: str) -> str:
    return phone.replace("+", "%2B")


async def context_when(
    client: Any, phone: str, check: Any, *, what: str = "the context"
) -> dict[str, Any]:
    """The phone's context (GET /v1/contexts) once ``check(context)`` holds."""
    from waops_testing.poll import eventually

    async def ready() -> dict[str, Any] | None:
        resp = await client.get(f"/v1/contexts?phone={phone_query(phone)}", headers=TENANT)
        if resp.status != 200:
            return None
        context: dict[str, Any] = (await resp.json())["context"]
        return context if check(context) else None

    return await eventually(ready, what=what)


def replies_to(tap: EventTap, phone: str) -> list[dict[str, Any]]:
    """The ConversationReply payloads the tap saw for ``phone``, in arrival order."""
    return [
        e.data
        for e in tap.of_type("waops.conversation.reply_requested.v1")
        if e.data["to_phone"] == phone
    ]
