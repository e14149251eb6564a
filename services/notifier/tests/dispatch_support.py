"""What the dispatcher's tests share: the notifier's settings against the sandbox, a lead
event that asks for one message, and reading back what reached the sandbox and the table."""

from __future__ import annotations

import uuid
from typing import Any

from notifier.settings import NotifierSettings
from waops_contracts import Envelope
from waops_contracts.events import LeadCreated
from waops_testing.plugin import Isolated
from waops_testing.poll import eventually
from waops_testing.services import service_db, settings_for

CHANNEL = "109876543210"
TWILIO_CHANNEL = "+14155238886"  # a Twilio channel's id is its E.164 sender number


def channel_of(provider: str) -> str:
    return TWILIO_CHANNEL if provider == "twilio" else CHANNEL


CUSTOMER = "+9779841234567"


def settings(isolated: Isolated, sandbox: Any, **extra: Any) -> NotifierSettings:
    base = str(sandbox.make_url("")).rstrip("/")
    values: dict[str, Any] = {
        "meta_graph_url": base,
        "meta_access_token": "test-token",
        "d360_api_url": base,
        "d360_api_key": "test-d360-key",
        "twilio_api_url": base,
        "twilio_account_sid": "AC" + "5" * 32,
        "twilio_auth_token": "test-twilio-token",
        "retry_backoff": 0.05,
        "retry_backoff_max": 0.2,
        "breaker_failures": 50,
        **extra,
    }
    return settings_for(NotifierSettings, isolated, "notifier", **values)


def lead(lead_id: str | None = None, channel_id: str = CHANNEL, phone: str = CUSTOMER) -> Envelope:
    lead_id = lead_id or str(uuid.uuid4())
    return Envelope.wrap(
        LeadCreated(
            lead_id=lead_id,
            reference="EBC2501234",
            state="NEW",
            tour_name="Everest Base Camp Trek",
            pax=2,
            customer_phone=phone,
            customer_name="Asha",
            # Unassigned: its customer alone is told, one message per lead for these tests.
            channel_id=channel_id,
        ),
        source="waops/core",
        tenant_id="demo",
        subject=f"LEAD/{lead_id}",
    )


async def sent(sandbox: Any, count: int = 1) -> list[dict[str, Any]]:
    async def enough() -> list[dict[str, Any]] | None:
        got: list[dict[str, Any]] = await (await sandbox.get("/_sandbox/sent")).json()
        return got if len(got) >= count else None

    return await eventually(enough, what=f"{count} sends at the sandbox")


async def faults_left(sandbox: Any) -> list[dict[str, Any]]:
    return list(await (await sandbox.get("/_sandbox/faults")).json())


async def row(isolated: Isolated) -> dict[str, Any]:
    async with service_db(isolated, "notifier") as db:
        found = await db.fetchrow("SELECT * FROM outbound_messages ORDER BY created_at LIMIT 1")
    assert found is not None
    return dict(found)
