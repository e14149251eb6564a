"""The audit service on real PostgreSQL and RabbitMQ: command events in, one append-only,
hash-chained log per tenant out."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from itertools import pairwise
from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestClient
from audit.adapters.audit_log import append, verify_chain
from audit.bootstrap import build_runtime, create_app
from audit.domain.chain import fact_from
from audit.settings import AuditSettings
from waops_contracts import Envelope
from waops_contracts.events import (
    Actor,
    CommandRejected,
    CommandRequested,
    CommandSucceeded,
    ObjectRef,
)
from waops_service_kit.db import asyncpg_dsn
from waops_service_kit.migrations import migrate
from waops_service_kit.provision import service_url
from waops_testing import services
from waops_testing.plugin import Isolated
from waops_testing.poll import eventually
from waops_testing.services import publish, running_service, settings_for

pytestmark = pytest.mark.integration
TENANT = "demo"
CUSTOMER = Actor(phone="+9779841234567", role="CUSTOMER", name="Asha")
SALES = Actor(phone="+9779800000001", role="SALES", user_id="u-sita", name="Sita")


def requested(command_id: str, *, tenant: str = TENANT, actor: Actor = CUSTOMER) -> Envelope:
    return Envelope.wrap(
        CommandRequested(
            command_id=command_id,
            name="CreateLead",
            actor=actor,
            conversation_id="conv-1",
            args={"tour_code": "EBC", "pax": 3},
        ),
        source="waops/conversation-engine",
        tenant_id=tenant,
    )


def succeeded(command_id: str, lead_id: str, *, cause: Envelope | None = None) -> Envelope:
    return Envelope.wrap(
        CommandSucceeded(
            command_id=command_id,
            name="CreateLead",
            actor=CUSTOMER,
            conversation_id="conv-1",
            object=ObjectRef(type="LEAD", id=lead_id, reference="EBC2501234"),
        ),
        source="waops/orchestrator",
        tenant_id=TENANT,
        subject=f"LEAD/{lead_id}",
        causation=cause,
    )


def rejected(command_id: str) -> Envelope:
    return Envelope.wrap(
        CommandRejected(
            command_id=command_id,
            name="AssignStaff",
            actor=CUSTOMER,
            conversation_id="conv-1",
            code="FORBIDDEN_ROLE",
            reason="customers may not assign staff",
        ),
        source="waops/orchestrator",
        tenant_id=TENANT,
    )


async def audit(client: TestClient[Any, Any], tenant: str = TENANT, **query: Any) -> dict[str, Any]:
    resp = await client.get("/v1/audit", params=query, headers={"X-Waops-Tenant": tenant})
    assert resp.status == 200, await resp.text()
    body: dict[str, Any] = await resp.json()
    return body


async def verify(client: TestClient[Any, Any], tenant: str = TENANT) -> dict[str, Any]:
    resp = await client.get("/v1/audit/verify", headers={"X-Waops-Tenant": tenant})
    assert resp.status == 200
    body: dict[str, Any] = await resp.json()
    return body


async def entries(client: TestClient[Any, Any], count: int, **query: Any) -> list[dict[str, Any]]:
    async def enough() -> list[dict[str, Any]] | None:
        got: list[dict[str, Any]] = (await audit(client, limit=500, **query))["entries"]
        return got if len(got) >= count else None

    return await eventually(enough, what=f"{count} audit entries")


def consumed(outcome: str, event_type: str = CommandRequested.event_type) -> float:
    return services.consumed("audit.commands", event_type, outcome)


@contextlib.asynccontextmanager
async def db(iso: Isolated, *, as_admin: bool) -> AsyncIterator[asyncpg.Connection]:
    url = iso.admin_url if as_admin else service_url(iso.admin_url, "audit")
    conn = await asyncpg.connect(asyncpg_dsn(url), server_settings={"search_path": "audit"})
    try:
        yield conn
    finally:
        await conn.close()


async def test_a_command_and_its_result_make_two_entries_once(isolated: Isolated) -> None:
    settings = settings_for(AuditSettings, isolated, "audit")
    ask = requested("cmd-1")
    done = succeeded("cmd-1", "lead-1", cause=ask)
    duplicates_before = consumed("duplicate", done.type)
    async with running_service(create_app, settings) as client:
        await publish(isolated.amqp_url, ask, done, done)  # one duplicate delivery

        got = await entries(client, 2)

        async def duplicate_handled() -> bool:
            return consumed("duplicate", done.type) > duplicates_before

        await eventually(duplicate_handled, what="the duplicate to be handled")
        got = (await audit(client))["entries"]
        assert len(got) == 2
        by_outcome = {e["outcome"]: e for e in got}
        assert set(by_outcome) == {"REQUESTED", "SUCCEEDED"}
        ok = by_outcome["SUCCEEDED"]
        assert (ok["object_type"], ok["object_id"], ok["object_reference"]) == (
            "LEAD",
            "lead-1",
            "EBC2501234",
        )
        assert ok["command_id"] == "cmd-1" and ok["command_name"] == "CreateLead"
        assert ok["actor"] == {
            "phone": CUSTOMER.phone,
            "role": "CUSTOMER",
            "user_id": None,
            "name": "Asha",
        }
        assert (
            ok["correlation_id"] == ask.correlationid == by_outcome["REQUESTED"]["correlation_id"]
        )
        assert ok["conversation_id"] == "conv-1"
        assert by_outcome["REQUESTED"]["object_id"] is None
        assert [e["seq"] for e in got] == [1, 2]
        assert got[0]["prev_hash"] == "0" * 64 and got[1]["prev_hash"] == got[0]["hash"]
        assert await verify(client) == {"ok": True, "entries": 2, "head": got[1]["hash"]}
        assert (await audit(client, tenant="other"))["entries"] == []
        assert await verify(client, "other") == {"ok": True, "entries": 0, "head": "0" * 64}


async def test_the_same_event_is_appended_only_once(isolated: Isolated) -> None:
    """The log's own idempotency (event_id), beneath the inbox's."""
    engine = build_runtime(settings_for(AuditSettings, isolated, "audit")).engine
    try:
        await migrate(engine, "audit", "audit")
        env = succeeded("cmd-1", "lead-1")
        fact = fact_from(CommandSucceeded.model_validate(env.data), env)
        seqs = []
        for _ in range(2):
            async with engine.begin() as conn:
                seqs.append(await append(conn, fact))
        assert seqs == [1, None]
        async with engine.connect() as conn:
            result = await verify_chain(conn, TENANT)
        assert (result.ok, result.entries) == (True, 1)
    finally:
        await engine.dispose()


async def test_a_rejection_is_recorded_with_its_code_and_reason(isolated: Isolated) -> None:
    settings = settings_for(AuditSettings, isolated, "audit")
    async with running_service(create_app, settings) as client:
        await publish(isolated.amqp_url, rejected("cmd-9"))
        (entry,) = await entries(client, 1)
        assert entry["outcome"] == "REJECTED"
        assert entry["command_name"] == "AssignStaff"
        assert (entry["code"], entry["reason"]) == (
            "FORBIDDEN_ROLE",
            "customers may not assign staff",
        )
        assert entry["object_type"] is None


async def test_filters_pagination_and_bad_parameters(isolated: Isolated) -> None:
    settings = settings_for(AuditSettings, isolated, "audit")
    async with running_service(create_app, settings) as client:
        events = []
        for i in range(5):
            ask = requested(f"cmd-{i}")
            events += [ask, succeeded(f"cmd-{i}", f"lead-{i}", cause=ask)]
        events.append(rejected("cmd-x"))
        await publish(isolated.amqp_url, *events)
        await entries(client, 11)

        assert len((await audit(client, outcome="SUCCEEDED"))["entries"]) == 5
        assert len((await audit(client, outcome="requested"))["entries"]) == 5
        assert [e["code"] for e in (await audit(client, outcome="REJECTED"))["entries"]] == [
            "FORBIDDEN_ROLE"
        ]
        (lead,) = (await audit(client, object_type="lead", object_id="lead-3"))["entries"]
        assert (lead["command_id"], lead["outcome"]) == ("cmd-3", "SUCCEEDED")
        by_command = (await audit(client, command_id="cmd-2"))["entries"]
        assert sorted(e["outcome"] for e in by_command) == ["REQUESTED", "SUCCEEDED"]
        assert (await audit(client, command_id="nope"))["entries"] == []

        # Pages of 4 over 11 entries, following the cursor, see every seq once, in order.
        seqs, cursor, pages = [], None, 0
        while True:
            page = await audit(client, limit=4, **({"after": cursor} if cursor else {}))
            seqs += [e["seq"] for e in page["entries"]]
            pages += 1
            cursor = page["next"]
            if cursor is None:
                break
        assert (seqs, pages) == (list(range(1, 12)), 3)
        last = await audit(client, limit=1, after=10)
        assert ([e["seq"] for e in last["entries"]], last["next"]) == ([11], None)
        exact = await audit(client, limit=11)
        assert exact["next"] is None
        filtered = await audit(client, outcome="SUCCEEDED", limit=2)
        assert filtered["next"] == filtered["entries"][-1]["seq"]
        default = await audit(client)
        assert len(default["entries"]) == 11 and default["next"] is None

        tenant = {"X-Waops-Tenant": TENANT}
        for query, code in [
            ({"limit": "0"}, "BAD_LIMIT"),
            ({"limit": "501"}, "BAD_LIMIT"),
            ({"limit": "ten"}, "BAD_LIMIT"),
            ({"after": "-1"}, "BAD_AFTER"),
            ({"after": "x"}, "BAD_AFTER"),
            ({"outcome": "MAYBE"}, "BAD_OUTCOME"),
        ]:
            resp = await client.get("/v1/audit", params=query, headers=tenant)
            assert resp.status == 400, query
            assert (await resp.json())["error"]["code"] == code
        assert len((await audit(client, limit=500))["entries"]) == 11
        for path in ("/v1/audit", "/v1/audit/verify"):
            missing = await client.get(path)
            assert missing.status == 400
            assert (await missing.json())["error"]["code"] == "TENANT_REQUIRED"


@pytest.mark.parametrize("as_admin", [False, True], ids=["service-role", "admin"])
async def test_the_log_refuses_update_delete_and_truncate(
    isolated: Isolated, as_admin: bool
) -> None:
    settings = settings_for(AuditSettings, isolated, "audit")
    async with running_service(create_app, settings) as client:
        await publish(isolated.amqp_url, requested("cmd-1"))
        await entries(client, 1)
        async with db(isolated, as_admin=as_admin) as conn:
            for sql in (
                "UPDATE audit_logs SET reason = 'edited'",
                "UPDATE audit_logs SET reason = 'edited' WHERE false",
                "DELETE FROM audit_logs",
                "TRUNCATE audit_logs",
            ):
                with pytest.raises(asyncpg.RestrictViolationError, match="append-only"):
                    await conn.execute(sql)
        assert len((await audit(client))["entries"]) == 1
        assert (await verify(client))["ok"] is True


async def test_verification_detects_tampering(isolated: Isolated) -> None:
    settings = settings_for(AuditSettings, isolated, "audit")
    async with running_service(create_app, settings) as client:
        await publish(isolated.amqp_url, *(requested(f"cmd-{i}") for i in range(4)))
        await entries(client, 4)
        assert (await verify(client))["ok"] is True

        # Someone with the power to bypass the trigger edits one row.
        async with db(isolated, as_admin=True) as conn:
            await conn.execute("ALTER TABLE audit_logs DISABLE TRIGGER audit_logs_append_only")
            await conn.execute(
                "UPDATE audit_logs SET actor = jsonb_set(actor, '{role}', '\"MANAGER\"')"
                " WHERE tenant_id = $1 AND seq = 3",
                TENANT,
            )
            await conn.execute("ALTER TABLE audit_logs ENABLE TRIGGER audit_logs_append_only")
        assert await verify(client) == {"ok": False, "broken_at": 3}

        # A removed row is found too, at the gap (before the edit behind it).
        async with db(isolated, as_admin=True) as conn:
            await conn.execute("ALTER TABLE audit_logs DISABLE TRIGGER audit_logs_append_only")
            await conn.execute("DELETE FROM audit_logs WHERE tenant_id = $1 AND seq = 2", TENANT)
            await conn.execute("ALTER TABLE audit_logs ENABLE TRIGGER audit_logs_append_only")
        assert await verify(client) == {"ok": False, "broken_at": 2}


async def test_concurrent_appends_keep_every_chain_linear(
    isolated: Isolated,
) -> None:
    """Two replicas, 16 handlers each, two tenants, 50 events published at once."""
    settings = settings_for(AuditSettings, isolated, "audit")
    retried_before = consumed("retried")
    events = [requested(f"cmd-{i}", tenant=("demo", "acme")[i % 2]) for i in range(50)]
    async with (
        running_service(create_app, settings) as client,
        running_service(create_app, settings) as _replica,
    ):
        await asyncio.gather(*(publish(isolated.amqp_url, *events[i::5]) for i in range(5)))
        for tenant in ("demo", "acme"):

            async def all_in(tenant: str = tenant) -> list[dict[str, Any]] | None:
                got: list[dict[str, Any]] = (await audit(client, tenant, limit=500))["entries"]
                return got if len(got) >= 25 else None

            got = await eventually(all_in, what=f"25 entries of {tenant}")
            assert [e["seq"] for e in got] == list(range(1, 26))
            assert all(b["prev_hash"] == a["hash"] for a, b in pairwise(got))
            assert await verify(client, tenant) == {
                "ok": True,
                "entries": 25,
                "head": got[-1]["hash"],
            }
    # The per-tenant lock serialised the appends: none collided on (tenant, seq) and retried.
    assert consumed("retried") == retried_before
