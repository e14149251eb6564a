"""The timeline service on real PostgreSQL and RabbitMQ: events in, one timeline per object."""

from __future__ import annotations

import pytest
from timeline.bootstrap import create_app
from timeline.settings import TimelineSettings
from waops_contracts import Envelope
from waops_contracts.events import Actor, CommandSucceeded, LeadCreated, ObjectRef
from waops_testing.plugin import Isolated
from waops_testing.poll import eventually
from waops_testing.services import consumed, publish, running_service, settings_for

pytestmark = pytest.mark.integration
TENANT = {"X-Waops-Tenant": "demo"}


async def test_enquiry_and_lead_creation_land_on_the_lead(isolated: Isolated) -> None:
    settings = settings_for(TimelineSettings, isolated, "timeline")
    lead = ObjectRef(type="LEAD", id="lead-1", reference="EBC2501234")
    enquiry = Envelope.wrap(
        CommandSucceeded(
            command_id="c1",
            name="CreateLead",
            conversation_id="conv-1",
            actor=Actor(phone="+9779841234567", role="CUSTOMER"),
            object=lead,
            source_text="EBC for 3 in March 2025",
        ),
        source="waops/orchestrator",
        tenant_id="demo",
        subject="LEAD/lead-1",
    )
    created = Envelope.wrap(
        LeadCreated(
            lead_id="lead-1", reference="EBC2501234", state="NEW", customer_phone="+9779841234567"
        ),
        source="waops/core",
        tenant_id="demo",
        subject="LEAD/lead-1",
        causation=enquiry,
    )
    duplicates = consumed("timeline.all-events", created.type, "duplicate")
    async with running_service(create_app, settings) as client:
        await publish(isolated.amqp_url, enquiry, created, created)  # one duplicate

        async def two_entries() -> list | None:
            body = await (await client.get("/v1/timeline/LEAD/lead-1", headers=TENANT)).json()
            return body["entries"] if len(body["entries"]) >= 2 else None

        entries = await eventually(two_entries, what="two timeline entries")
        await eventually(
            lambda: consumed("timeline.all-events", created.type, "duplicate") > duplicates,
            what="the duplicate to be recognised",
        )
        body = await (await client.get("/v1/timeline/LEAD/lead-1", headers=TENANT)).json()
        assert body["entries"] == entries
        assert [e["summary"] for e in entries] == [
            "Enquiry received: EBC for 3 in March 2025",
            "Lead EBC2501234 created (NEW)",
        ]
        conv = await (await client.get("/v1/timeline/CONVERSATION/conv-1", headers=TENANT)).json()
        assert len(conv["entries"]) == 1
        other = await client.get("/v1/timeline/LEAD/lead-1", headers={"X-Waops-Tenant": "other"})
        assert (await other.json())["entries"] == []
        missing = await client.get("/v1/timeline/LEAD/lead-1")
        assert missing.status == 400
        assert (await missing.json())["error"]["code"] == "TENANT_REQUIRED"
