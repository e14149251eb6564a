"""What a role may not do is refused, answered politely to whoever asked, and audited as a
failure with its reason: through the real doors (signed webhooks, the back-office API)."""

from __future__ import annotations

import re

import pytest
from waops_testing.poll import eventually
from waops_testing.system import StartSystem, System
from waops_testing.workflow import Parties, a_customer_phone, back_office, staff_member

pytestmark = pytest.mark.integration

SALES = "+9779800000001"  # Sita Sharma
OPERATIONS = "+9779800000003"  # Maya Gurung
GUIDE = "+9779800000004"  # Pemba Sherpa, guide
DRIVER = "+9779800000005"  # Hari Thapa, driver: field staff, not on the trip below


async def rejected(system: System, phone: str, name: str) -> dict:
    async def found() -> dict | None:
        entries = await system.audit_entries(outcome="REJECTED", limit="500")
        mine = [
            e
            for e in entries
            if (e.get("actor") or {}).get("phone") == phone and e["command_name"] == name
        ]
        return mine[-1] if mine else None

    return await eventually(found, timeout=30, what=f"{name} by {phone} audited as refused")


async def a_trip_with_its_guide(system: System) -> str:
    """Operations offers Pemba the lead guide's place on a departure; its trip's reference."""
    ops = await staff_member(system, OPERATIONS)
    guide = await staff_member(system, GUIDE)
    status, body = await system.get_json("core", "/v1/departures?tour=ANC&limit=1")
    assert status == 200 and body["items"], body
    status, assigned = await back_office(
        system,
        ops["id"],
        f"/v1/departures/{body['items'][0]['id']}/assignments",
        {"staff_id": guide["id"], "role": "LEAD_GUIDE", "compensation_amount": "300.00"},
    )
    assert status in (200, 201), assigned
    reference = assigned["object"]["reference"] or assigned["result"]["trip_reference"]
    assert re.fullmatch(r"ANC-\d{6}", reference), assigned
    return str(reference)


async def test_what_a_role_may_not_do_is_refused_answered_and_audited(
    start_system: StartSystem,
) -> None:
    system = await start_system()
    parties = Parties(system)
    trip_ref = await a_trip_with_its_guide(system)

    # A customer sending CHECKIN.
    customer = a_customer_phone()
    await system.phone_says(customer, f"CHECKIN {trip_ref}")
    answer = await parties.receives(customer, "sorry", what="the customer's refusal")
    entry = await rejected(system, customer, "CheckIn")
    assert entry["code"] == "FORBIDDEN_ROLE", entry
    assert entry["reason"] and entry["reason"].rstrip(".") in answer, (entry, answer)

    # A driver reporting an incident on a trip he is not assigned to.
    await system.phone_says(DRIVER, f"ISSUE {trip_ref} the jeep broke down")
    await parties.receives(DRIVER, "sorry", what="the driver's refusal")
    entry = await rejected(system, DRIVER, "ReportIncident")
    assert entry["code"] == "NOT_ASSIGNED", entry

    # A sales rep assigning staff through the back office.
    sales = await staff_member(system, SALES)
    driver = await staff_member(system, DRIVER)
    status, body = await back_office(
        system,
        sales["id"],
        f"/v1/trips/{trip_ref}/assignments",
        {"staff_id": driver["id"], "role": "DRIVER", "compensation_amount": "100.00"},
    )
    assert status == 403, body
    assert body["error"]["code"] == "FORBIDDEN_ROLE", body
    entry = await rejected(system, SALES, "AssignStaff")
    assert entry["code"] == "FORBIDDEN_ROLE", entry

    status, verify = await system.get_json("audit", "/v1/audit/verify")
    assert status == 200 and verify["ok"] is True, verify
