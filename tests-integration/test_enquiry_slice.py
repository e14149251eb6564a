"""The spine's slice end to end: a customer's WhatsApp enquiry becomes a lead, a reply,
a timeline and an audit trail, through real processes, PostgreSQL and RabbitMQ."""

from __future__ import annotations

import asyncio
import re
import uuid

import pytest
from waops_testing.system import StartSystem, System, reply_text

pytestmark = pytest.mark.integration

ENQUIRY = "Hi! I'm interested in the Everest Base Camp Trek for 3 people in March 2025"
REFERENCE = re.compile(r"\bEBC25\d{5}\b")


def a_customer_phone() -> str:
    return "+97798" + str(uuid.uuid4().int)[:8]


async def lead_for(system: System, phone: str) -> dict:
    """The lead the system created for this phone, found through the audit trail."""
    ids = [e["object_id"] for e in await system.audited(phone, "SUCCEEDED")]
    assert len(ids) == 1, ids
    status, body = await system.get_json("core", f"/v1/leads/{ids[0]}")
    assert status == 200, body
    return body["lead"]


async def test_enquiry_becomes_lead_reply_timeline_and_audit(start_system: StartSystem) -> None:
    system = await start_system()
    phone = a_customer_phone()

    trace_id = uuid.uuid4().hex
    answer = await system.phone_says(phone, ENQUIRY, traceparent=f"00-{trace_id}-{'1' * 16}-01")
    assert answer["webhook_status"] == 200

    [reply] = await system.replies(phone, 1)
    # One trace from the webhook to the provider call: through AMQP, the core's HTTP API, AMQP.
    assert reply["traceparent"].split("-")[1] == trace_id
    text = reply_text(reply)
    match = REFERENCE.search(text)
    assert match, text

    lead = await lead_for(system, phone)
    assert lead["reference"] == match.group(0)
    assert lead["state"] == "NEW"
    assert (lead["tour_code"], lead["pax"], lead["travel_month"]) == ("EBC", 3, "2025-03")
    assert lead["customer_phone"] == phone
    assert lead["assigned_to"] and lead["assigned_to"]["name"]

    status, timeline = await system.get_json("timeline", f"/v1/timeline/LEAD/{lead['id']}")
    summaries = [e["summary"] for e in timeline["entries"]]
    assert any(s.startswith("Enquiry received: " + ENQUIRY) for s in summaries), summaries
    assert any(s.startswith(f"Lead {lead['reference']} created") for s in summaries), summaries

    trail = await system.audit_entries(object_type="LEAD", object_id=lead["id"])
    assert [e["outcome"] for e in trail] == ["SUCCEEDED"]
    requested = await system.audited(phone, "REQUESTED")
    assert [(e["command_id"], e["command_name"]) for e in requested] == [
        (trail[0]["command_id"], "CreateLead")
    ]
    status, verify = await system.get_json("audit", "/v1/audit/verify")
    assert status == 200, verify
    assert verify["ok"] is True


async def test_same_webhook_five_times_makes_one_lead_and_one_reply(
    start_system: StartSystem,
) -> None:
    system = await start_system()
    phone = a_customer_phone()
    wamid = "wamid." + uuid.uuid4().hex

    first = await system.phone_says(phone, ENQUIRY, message_id=wamid)
    concurrent = await asyncio.gather(
        *(system.phone_says(phone, ENQUIRY, message_id=wamid) for _ in range(3))
    )
    last = await system.phone_says(phone, ENQUIRY, message_id=wamid)
    assert {r["webhook_status"] for r in (first, *concurrent, last)} == {200}

    # A later, different message of the same phone is handled after the duplicates (one
    # conversation is handled in order), so once its reply is here the duplicates are done.
    await system.phone_says(phone, "Annapurna Circuit for 2 people in April 2026")
    replies = await system.replies(phone, 2)
    texts = [reply_text(r) for r in replies]
    assert len(replies) == 2, texts
    assert sum(bool(REFERENCE.search(t)) for t in texts) == 1, texts
    succeeded = await system.audited(phone, "SUCCEEDED", 2)
    assert len(succeeded) == 2
    assert len(await system.sent_to(phone)) == 2


async def test_bad_signature_and_malformed_json_are_refused(start_system: StartSystem) -> None:
    system = await start_system()
    url = system.url("webhook-adapter") + "/webhooks/meta"
    body = b'{"object":"whatsapp_business_account","entry":[]}'
    async with system.http.post(
        url,
        data=body,
        headers={"Content-Type": "application/json", "X-Hub-Signature-256": "sha256=" + "0" * 64},
    ) as r:
        assert r.status == 401
        assert (await r.json())["error"]["code"]
    async with system.http.post(url, data=body, headers={"Content-Type": "application/json"}) as r:
        assert r.status == 401
    import hashlib
    import hmac

    junk = b'{"object": "whatsapp_business_account", "entry": [}'
    sig = "sha256=" + hmac.new(b"sandbox-app-secret", junk, hashlib.sha256).hexdigest()
    async with system.http.post(
        url, data=junk, headers={"Content-Type": "application/json", "X-Hub-Signature-256": sig}
    ) as r:
        assert r.status == 400
        assert (await r.json())["error"]["code"]
