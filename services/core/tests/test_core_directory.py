"""Tenants and the staff directory over HTTP: validation, uniqueness, deactivation, events."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from waops_contracts.events import StaffUpserted

pytestmark = pytest.mark.integration

STAFF = "waops.directory.staff_upserted.v1"
TENANT_CREATED = "waops.directory.tenant_created.v1"


def member(**change: Any) -> dict[str, Any]:
    return {
        "name": "Lhakpa Sherpa",
        "phone": "+977 981-555-0101",
        "role": "FIELD_STAFF",
        "kind": "guide",
    } | change


async def test_a_tenant_is_created_once_listed_and_announced(bare_core: Any) -> None:
    core = bare_core
    tenant = f"op-{uuid.uuid4().hex[:8]}"
    async with core.capture(TENANT_CREATED) as captured:
        status, body = await core.send("POST", "/v1/tenants", {"id": tenant, "name": "Yeti Treks"})
        assert status == 201, body
        assert body["tenant"]["id"] == tenant and body["tenant"]["name"] == "Yeti Treks"
        [event] = await captured.wait_for(TENANT_CREATED)
        assert event.tenantid == tenant
        assert event.data == {"tenant_id": tenant, "name": "Yeti Treks"}
    status, body = await core.send("POST", "/v1/tenants", {"id": tenant, "name": "Again"})
    assert (status, body["error"]["code"]) == (409, "TENANT_EXISTS")
    status, body = await core.send("POST", "/v1/tenants", {"id": "Bad Id!", "name": "x"})
    assert (status, body["error"]["code"]) == (422, "INVALID_TENANT_ID")
    status, body = await core.get(f"/v1/tenants/{tenant}")
    assert (status, body["tenant"]["name"]) == (200, "Yeti Treks")
    assert (await core.get("/v1/tenants/nobody"))[0] == 404
    await core.send("POST", "/v1/tenants", {"id": f"{tenant}-b", "name": "B"})
    status, first = await core.get("/v1/tenants?limit=1")
    assert status == 200 and [t["id"] for t in first["items"]] == [tenant]
    status, second = await core.get(f"/v1/tenants?limit=1&cursor={first['next_cursor']}")
    assert [t["id"] for t in second["items"]] == [f"{tenant}-b"]
    assert second["next_cursor"] is None


async def test_staff_are_created_in_e164_and_announced_as_staff_upserted(core: Any) -> None:
    async with core.capture(STAFF) as captured:
        status, body = await core.send(
            "POST", "/v1/staff", member(role="field_staff", kind="Guide")
        )
        assert status == 201, body
        created = body["staff_member"]
        assert created["phone"] == "+9779815550101"
        assert (created["role"], created["kind"], created["active"]) == (
            "FIELD_STAFF",
            "guide",
            True,
        )
        event = await captured.first(
            lambda e: e.type == STAFF and e.subject == f"STAFF/{created['id']}", what="staff"
        )
        # The conversation engine reads this event: the payload still parses as before.
        parsed = StaffUpserted.model_validate(event.data)
        assert (parsed.user_id, parsed.phone, parsed.role, parsed.kind, parsed.active) == (
            created["id"],
            "+9779815550101",
            "FIELD_STAFF",
            "guide",
            True,
        )
        assert event.subject == f"STAFF/{created['id']}"
    status, body = await core.get(f"/v1/staff/{created['id']}")
    assert (status, body["staff_member"]) == (200, created)
    status, body = await core.get("/v1/staff?phone=9779815550101")
    assert body["staff"] == [created]


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"kind": None}, 422, "STAFF_KIND_REQUIRED"),
        ({"role": "SALES"}, 422, "STAFF_KIND_NOT_ALLOWED"),  # a kind is for field staff only
        ({"kind": "cook"}, 400, "INVALID_REQUEST"),
        ({"role": "CEO"}, 400, "INVALID_REQUEST"),
        ({"phone": "call me"}, 422, "INVALID_PHONE"),
        ({"phone": "+9779"}, 422, "INVALID_PHONE"),
        ({"name": ""}, 400, "INVALID_REQUEST"),
        ({"phone": "+9779800000004"}, 409, "PHONE_TAKEN"),  # Pemba's
        ({"phone": "009779800000004"}, 409, "PHONE_TAKEN"),  # the same, another format
    ],
)
async def test_bad_staff_are_refused_with_a_code(
    core: Any, change: dict[str, Any], status: int, code: str
) -> None:
    before = await core.scalar("SELECT count(*) FROM staff")
    got, body = await core.send("POST", "/v1/staff", member(**change))
    assert (got, body["error"]["code"]) == (status, code), body
    assert await core.scalar("SELECT count(*) FROM staff") == before


async def test_staff_of_an_unknown_tenant_are_refused(core: Any) -> None:
    status, body = await core.send("POST", "/v1/staff", member(), tenant="no-such-operator")
    assert (status, body["error"]["code"]) == (422, "UNKNOWN_TENANT")


async def test_the_same_phone_may_be_staff_at_two_operators(core: Any) -> None:
    await core.send("POST", "/v1/tenants", {"id": "other-op", "name": "Other"})
    status, _ = await core.send(
        "POST", "/v1/staff", member(phone="+9779800000004"), tenant="other-op"
    )
    assert status == 201
    status, body = await core.get("/v1/staff", tenant="other-op")
    assert [m["name"] for m in body["staff"]] == ["Lhakpa Sherpa"]


async def test_patch_changes_only_what_is_given_and_keeps_the_rules(core: Any) -> None:
    _, body = await core.send("POST", "/v1/staff", member())
    staff_id = body["staff_member"]["id"]
    path = f"/v1/staff/{staff_id}"
    status, body = await core.send("PATCH", path, {"name": "Lhakpa G. Sherpa"})
    assert (status, body["staff_member"]["name"], body["staff_member"]["kind"]) == (
        200,
        "Lhakpa G. Sherpa",
        "guide",
    )
    status, body = await core.send("PATCH", path, {"kind": "porter"})
    assert body["staff_member"]["kind"] == "porter"
    # Leaving field work drops the kind; asking to keep one is refused.
    status, body = await core.send("PATCH", path, {"role": "OPERATIONS", "kind": "guide"})
    assert (status, body["error"]["code"]) == (422, "STAFF_KIND_NOT_ALLOWED")
    status, body = await core.send("PATCH", path, {"role": "OPERATIONS"})
    assert (status, body["staff_member"]["role"], body["staff_member"]["kind"]) == (
        200,
        "OPERATIONS",
        None,
    )
    status, body = await core.send("PATCH", path, {"role": "FIELD_STAFF"})
    assert (status, body["error"]["code"]) == (422, "STAFF_KIND_REQUIRED")
    status, body = await core.send("PATCH", path, {"phone": "+977 980 000 0003"})  # Maya's
    assert (status, body["error"]["code"]) == (409, "PHONE_TAKEN")
    status, body = await core.send("PATCH", path, {"phone": "+9779815550199"})
    assert (status, body["staff_member"]["phone"]) == (200, "+9779815550199")
    assert (await core.send("PATCH", f"/v1/staff/{uuid.uuid4()}", {"name": "x"}))[0] == 404
    assert (await core.send("PATCH", "/v1/staff/nope", {"name": "x"}))[0] == 404
    assert (await core.send("PATCH", path, {"colour": "red"}))[0] == 400


async def test_deactivation_is_an_update_announced_with_active_false(core: Any) -> None:
    _, body = await core.send("POST", "/v1/staff", member())
    staff_id = body["staff_member"]["id"]
    async with core.capture(STAFF) as captured:
        status, body = await core.send("PATCH", f"/v1/staff/{staff_id}", {"active": False})
        assert (status, body["staff_member"]["active"]) == (200, False)
        event = await captured.first(
            lambda e: e.type == STAFF and e.data["user_id"] == staff_id and not e.data["active"],
            what="deactivation",
        )
        assert event.data["name"] == "Lhakpa Sherpa"
    # Nothing changed: nothing announced, and the member is still there (never deleted).
    before = await core.scalar("SELECT count(*) FROM outbox")
    status, _ = await core.send("PATCH", f"/v1/staff/{staff_id}", {"active": False})
    assert status == 200
    assert await core.scalar("SELECT count(*) FROM outbox") == before
    status, body = await core.get("/v1/staff?active=false")
    assert [m["id"] for m in body["staff"]] == [staff_id]
    status, body = await core.get("/v1/staff?active=true&role=field_staff")
    assert staff_id not in {m["id"] for m in body["staff"]}


async def test_staff_list_filters_and_pages(core: Any) -> None:
    status, whole = await core.get("/v1/staff")
    assert status == 200 and whole["next_cursor"] is None  # the whole directory by default
    kinds = {m["kind"] for m in whole["staff"] if m["role"] == "FIELD_STAFF"}
    assert kinds == {"guide", "driver", "porter"}  # the demo has every kind of field staff
    assert {m["role"] for m in whole["staff"]} == {"SALES", "OPERATIONS", "FIELD_STAFF", "MANAGER"}
    seen: list[dict[str, Any]] = []
    cursor = None
    while True:
        path = "/v1/staff?limit=2" + (f"&cursor={cursor}" if cursor else "")
        status, body = await core.get(path)
        assert status == 200
        seen += body["staff"]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == whole["staff"]
    status, body = await core.get("/v1/staff?kind=porter")
    assert [m["name"] for m in body["staff"]] == ["Dawa Tamang"]
    for bad in ("cursor=garbage", "cursor=WyJhIiwiYiIsIm5vdC1hLXV1aWQiXQ", "limit=0", "kind=cook"):
        status, body = await core.get(f"/v1/staff?{bad}")
        assert status == 400, (bad, body)


async def test_a_replayed_create_makes_one_member(core: Any) -> None:
    first = await core.send("POST", "/v1/staff", member(), key="staff-1")
    again = await core.send("POST", "/v1/staff", member(), key="staff-1")
    assert first == again and first[0] == 201
    assert await core.scalar("SELECT count(*) FROM staff WHERE phone = '+9779815550101'") == 1
