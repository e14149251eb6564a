"""The core on real PostgreSQL and RabbitMQ, with the demo operator loaded."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient
from core.bootstrap import create_app
from core.entrypoints.deps import DEPS, CoreDeps
from core.handlers.demo import load_demo
from core.settings import CoreSettings
from sqlalchemy import text
from waops_service_kit import RUNTIME, ServiceRuntime
from waops_testing.plugin import Isolated
from waops_testing.services import EventTap, running_service, settings_for

TENANT = "demo"
ENQUIRY = {
    "tour_code": "EBC",
    "pax": 3,
    "travel_month": "2025-03",
    "customer_phone": "+9779841234567",
    "customer_name": "Asha",
    "conversation_id": "0c7e2f9a-3b1d-4e5f-8a9b-0c1d2e3f4a5b",
    "channel_id": "109876543210",
    "enquiry_text": "Hi! I'm interested in the Everest Base Camp Trek for 3 people in March 2025",
}


@dataclass
class Core:
    client: TestClient[Any, Any]
    runtime: ServiceRuntime
    settings: CoreSettings

    async def post_lead(
        self,
        body: Any,
        *,
        key: str | None = None,
        headers: dict[str, str] | None = None,
        tenant: str = TENANT,
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        sent = {"X-Waops-Tenant": tenant, "Idempotency-Key": key or str(uuid.uuid4())}
        sent.update(headers or {})
        resp = await self.client.post("/v1/leads", json=body, headers=sent)
        return resp.status, await resp.json(), dict(resp.headers)

    async def get(self, path: str, tenant: str = TENANT) -> tuple[int, dict[str, Any]]:
        resp = await self.client.get(path, headers={"X-Waops-Tenant": tenant})
        return resp.status, await resp.json()

    async def send(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        key: str | None = None,
        actor: str | None = None,
        tenant: str = TENANT,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, Any]]:
        """Any API call: JSON body, optional Idempotency-Key and acting staff id/phone."""
        sent = {"X-Waops-Tenant": tenant}
        if key is not None:
            sent["Idempotency-Key"] = key
        if actor is not None:
            sent["X-Waops-Actor-Id"] = actor
        sent.update(headers or {})
        resp = await self.client.request(method, path, json=body, headers=sent)
        return resp.status, await resp.json()

    @property
    def deps(self) -> CoreDeps:
        """The clock (``deps.clock.advance``) and the sweeper (``deps.sweeper.run_once``)."""
        return self.client.app[DEPS]

    async def scalar(self, sql: str, **params: Any) -> Any:
        async with self.runtime.engine.connect() as conn:
            return (await conn.execute(text(sql), params)).scalar_one()

    def capture(self, *event_types: str) -> EventTap:
        """What the core really publishes on ``waops.events`` (use with ``async with``)."""
        return EventTap(self.settings.amqp_url, *event_types)


@contextlib.asynccontextmanager
async def _running_core(isolated: Isolated) -> AsyncIterator[Core]:
    settings = settings_for(CoreSettings, isolated, "core")
    async with running_service(create_app, settings) as client:
        yield Core(client, client.app[RUNTIME], settings)


@pytest_asyncio.fixture
async def bare_core(isolated: Isolated) -> AsyncIterator[Core]:
    """The core with its schema migrated and nothing loaded."""
    async with _running_core(isolated) as core:
        yield core


@pytest_asyncio.fixture
async def core(isolated: Isolated) -> AsyncIterator[Core]:
    """The core with the demo operator loaded."""
    async with _running_core(isolated) as core:
        await load_demo(core.runtime.engine, core.runtime.writer)
        yield core


@pytest.fixture
def enquiry() -> dict[str, Any]:
    """A valid lead request, as the orchestrator sends it for a customer's enquiry."""
    return dict(ENQUIRY)
