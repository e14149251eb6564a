"""The service kit on real PostgreSQL and RabbitMQ: roles, migrations, health, errors."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import text
from waops_service_kit import ApiError, ServiceRuntime, ServiceSettings, build_app
from waops_service_kit.db import asyncpg_dsn, create_engine
from waops_service_kit.migrations import migrate
from waops_service_kit.provision import service_url
from waops_testing.plugin import Isolated
from waops_testing.poll import eventually

pytestmark = pytest.mark.integration


async def test_a_service_role_cannot_touch_another_services_schema(isolated: Isolated) -> None:
    core = await asyncpg.connect(asyncpg_dsn(service_url(isolated.admin_url, "core")))
    try:
        await core.execute("CREATE TABLE core.mine (id int)")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await core.execute("CREATE TABLE audit.theirs (id int)")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await core.execute("CREATE TABLE public.shared (id int)")
    finally:
        await core.close()
    audit = await asyncpg.connect(asyncpg_dsn(service_url(isolated.admin_url, "audit")))
    try:
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await audit.fetch("SELECT * FROM core.mine")
    finally:
        await audit.close()


async def test_migrations_apply_once_even_when_replicas_start_together(isolated: Isolated) -> None:
    engines = [
        create_engine(service_url(isolated.admin_url, "timeline"), "timeline") for _ in range(3)
    ]
    try:
        results = await asyncio.gather(*(migrate(e, "timeline", "timeline") for e in engines))
        applied = [name for r in results for name in r]
        assert sorted(applied) == sorted(set(applied))  # nothing applied twice
        assert "messaging/0001_outbox_inbox.sql" in applied
        assert await migrate(engines[0], "timeline", "timeline") == []
        async with engines[0].connect() as conn:
            tables = set(
                (
                    await conn.execute(
                        text("SELECT tablename FROM pg_tables WHERE schemaname = 'timeline'")
                    )
                ).scalars()
            )
        assert {"outbox", "inbox", "schema_migrations", "timeline_entries"} <= tables
    finally:
        for e in engines:
            await e.dispose()


def _runtime(isolated: Isolated, amqp_url: str) -> ServiceRuntime:
    settings = ServiceSettings(
        database_url=service_url(isolated.admin_url, "timeline"), amqp_url=amqp_url
    )
    return ServiceRuntime(name="probe", schema="timeline", package="timeline", settings=settings)


async def test_health_readiness_metrics_and_json_errors(isolated: Isolated) -> None:
    async def refuse(_: web.Request) -> web.Response:
        raise ApiError(422, "NOT_ALLOWED", "no")

    async def crash(_: web.Request) -> web.Response:
        raise RuntimeError("boom")

    def routes(app: web.Application) -> None:
        app.router.add_get("/refuse", refuse)
        app.router.add_get("/crash", crash)

    client = TestClient(TestServer(build_app(_runtime(isolated, isolated.amqp_url), routes)))
    await client.start_server()
    try:
        assert (await client.get("/healthz")).status == 200

        async def ready() -> bool:
            return (await client.get("/readyz")).status == 200

        await eventually(ready, what="readiness")
        body = await (await client.get("/readyz")).json()
        assert body["checks"] == {"database": "ok", "broker": "ok"}
        refused = await client.get("/refuse")
        assert refused.status == 422
        assert (await refused.json())["error"]["code"] == "NOT_ALLOWED"
        missing = await client.get("/nope")
        assert missing.status == 404 and (await missing.json())["error"]["code"] == "NOT_FOUND"
        crashed = await client.get("/crash")
        assert crashed.status == 500 and (await crashed.json())["error"]["code"] == "INTERNAL"
        metrics = await (await client.get("/metrics")).text()
        assert "waops_http_request_seconds" in metrics and "waops_broker_connected" in metrics
    finally:
        await client.close()


async def test_readiness_says_so_when_the_broker_is_unreachable(isolated: Isolated) -> None:
    runtime = _runtime(isolated, "amqp://guest:guest@127.0.0.1:1/")  # nothing listens on port 1
    client = TestClient(TestServer(build_app(runtime)))
    await client.start_server()
    try:
        resp = await client.get("/readyz")
        assert resp.status == 503
        details = (await resp.json())["error"]["details"]
        assert details == {"database": "ok", "broker": "down"}
    finally:
        await client.close()
