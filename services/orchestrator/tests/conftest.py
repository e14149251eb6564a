"""The orchestrator's test fixtures.

- ``fake_core``: a fake core speaking the real HTTP contract of POST /v1/leads, for the
  client's retries, the breaker and outages. It answers like the reference core (201
  ``{"lead": {...}}``, a repeated ``(tenant, Idempotency-Key)`` replays the first answer with
  ``Idempotent-Replayed: true``, 422 UNKNOWN_TOUR, 400 INVALID_REQUEST) and can be told to
  answer the next requests with given statuses (``fail_next(503, 503)``) to play an outage.
- ``stack``: the REAL core (with the demo operator) and the orchestrator, both in-process on
  the test's own database and vhost, for the executors and the back-office API.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestServer
from multidict import CIMultiDict
from waops_testing.plugin import Isolated

sys.path.insert(0, str(Path(__file__).parent))  # the tests' shared helpers (importlib mode)
from orchestrator_stack import Stack, running_stack

TOURS = {"EBC": "Everest Base Camp Trek", "ABC": "Annapurna Base Camp Trek"}
SALES_REP = {"user_id": "u-1", "name": "Sita Sharma", "phone": "+9779800000001"}


def _error(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message}}, status=status)


@dataclass
class Seen:
    headers: CIMultiDict[str]  # names are case-insensitive, as on the wire
    body: dict[str, Any]


@dataclass
class FakeCore:
    url: str = ""
    requests: list[Seen] = field(default_factory=list)  # every POST /v1/leads, in order
    paths: list[str] = field(default_factory=list)  # every other request's raw path (a 404)
    leads: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    _scripted: list[int] = field(default_factory=list)

    def fail_next(self, *statuses: int) -> None:
        """Answer the next requests with these statuses, whatever they ask."""
        self._scripted.extend(statuses)

    def requests_for(self, key: str) -> list[Seen]:
        return [r for r in self.requests if r.headers.get("Idempotency-Key") == key]

    async def post_lead(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.requests.append(Seen(CIMultiDict(request.headers), body))
        if self._scripted:
            status = self._scripted.pop(0)
            return _error(status, "UNAVAILABLE", f"scripted {status}")
        tenant = request.headers.get("X-Waops-Tenant")
        key = request.headers.get("Idempotency-Key")
        if not tenant or not key:
            return _error(400, "HEADERS_REQUIRED", "X-Waops-Tenant and Idempotency-Key")
        if (tenant, key) in self.leads:
            return self._answer(self.leads[(tenant, key)], replayed=True)
        pax = body.get("pax")
        if not body.get("customer_phone") or not isinstance(pax, int) or pax < 1:
            return _error(400, "INVALID_REQUEST", "the lead request is not valid")
        code = str(body.get("tour_code") or "").upper()
        if code not in TOURS:
            return _error(422, "UNKNOWN_TOUR", f"no active tour with code {code}")
        lead = {
            "id": str(uuid.uuid4()),
            "reference": f"{code}25{len(self.leads) + 1:05d}",
            "state": "NEW",
            "tour_code": code,
            "tour_name": TOURS[code],
            "pax": pax,
            "travel_month": body.get("travel_month"),
            "customer_phone": body["customer_phone"],
            "customer_name": body.get("customer_name"),
            "assigned_to": SALES_REP,
        }
        self.leads[(tenant, key)] = lead
        return self._answer(lead, replayed=False)

    async def elsewhere(self, request: web.Request) -> web.Response:
        self.paths.append(request.raw_path)
        return _error(404, "NOT_FOUND", "the fake core serves POST /v1/leads only")

    def _answer(self, lead: dict[str, Any], *, replayed: bool) -> web.Response:
        headers = {"Idempotent-Replayed": "true"} if replayed else {}
        return web.json_response({"lead": lead}, status=201, headers=headers)


@pytest_asyncio.fixture
async def fake_core() -> AsyncIterator[FakeCore]:
    fake = FakeCore()
    app = web.Application()
    app.router.add_post("/v1/leads", fake.post_lead)
    app.router.add_route("*", "/{anything:.*}", fake.elsewhere)
    server = TestServer(app)  # a free port on 127.0.0.1
    await server.start_server()
    fake.url = str(server.make_url("")).rstrip("/")
    try:
        yield fake
    finally:
        await server.close()


@pytest_asyncio.fixture
async def stack(isolated: Isolated) -> AsyncIterator[Stack]:
    """The REAL core (demo operator loaded) and the orchestrator, for executors and the API."""
    async with running_stack(isolated) as running:
        yield running
