"""The REAL core (with the demo operator) and the orchestrator, side by side in-process on
the test's own database and vhost; what the tests do with them (not a test module)."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import itertools
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp.test_utils import TestClient
from core.bootstrap import create_app as create_core
from core.handlers.demo import STAFF, TENANT, load_demo
from core.settings import CoreSettings
from multidict import CIMultiDict
from orchestrator.bootstrap import create_app as create_orchestrator
from orchestrator.settings import OrchestratorSettings
from waops_contracts import Envelope, new_event_id
from waops_contracts.events import Actor, CommandRequested
from waops_service_kit import RUNTIME
from waops_testing.plugin import Isolated
from waops_testing.poll import eventually
from waops_testing.services import EventTap, publish, running_service, service_db, settings_for

API_TOKEN = "back-office-test-token"
RESULTS = ("waops.command.succeeded.v1", "waops.command.rejected.v1")
OBSERVED = (*RESULTS, "waops.command.requested.v1", "waops.broadcast.requested.v1")
PAYMENT_SECRET = "sandbox-payment-secret"  # the core's default WAOPS_PAYMENT_WEBHOOK_SECRET

# The demo operator's staff (core.handlers.demo.STAFF), by phone.
SALES = "+9779800000001"  # Sita Sharma
OPERATIONS = "+9779800000003"  # Maya Gurung
GUIDE = "+9779800000004"  # Pemba Sherpa, guide
DRIVER = "+9779800000005"  # Hari Thapa, driver
MANAGER = "+9779800000006"  # Anil Rai
PORTER = "+9779800000007"  # Dawa Tamang, porter
ROLES = {phone: role for role, _, _, phone in STAFF}
_starts = itertools.count(3000, 10)  # days ahead, 10 apart: departures never overlap


def succeeded(env: Envelope) -> dict[str, Any]:
    assert env.type == "waops.command.succeeded.v1", env.data
    return env.data


def rejected(env: Envelope, code: str) -> str:
    assert env.type == "waops.command.rejected.v1", env.data
    assert env.data["code"] == code, env.data
    reason: str = env.data["reason"]
    assert reason and not reason.startswith(code)
    return reason


def a_customer() -> str:
    return "+97798" + str(uuid.uuid4().int)[:8]


@dataclass
class Stack:
    iso: Isolated
    core: TestClient[Any, Any]
    orchestrator: TestClient[Any, Any]
    tap: EventTap
    staff: dict[str, dict[str, Any]]  # by phone, as the core's directory lists them

    # -- the core, as a test sets up the world ------------------------------------------

    async def core_get(self, path: str) -> dict[str, Any]:
        resp = await self.core.get(path, headers={"X-Waops-Tenant": TENANT})
        body = await resp.json()
        assert resp.status == 200, (path, body)
        return dict(body)

    async def core_post(
        self, path: str, body: Any = None, *, actor: str | None = None, status: int = 0
    ) -> dict[str, Any]:
        headers = {"X-Waops-Tenant": TENANT, "Idempotency-Key": str(uuid.uuid4())}
        if actor:
            headers["X-Waops-Actor-Id"] = actor
        resp = await self.core.post(path, json=body if body is not None else {}, headers=headers)
        answer = await resp.json()
        assert resp.status in ((status,) if status else (200, 201)), (path, answer)
        return dict(answer)

    def staff_id(self, phone: str) -> str:
        return str(self.staff[phone]["id"])

    async def departure(self, tour: str = "PKR", capacity: int = 12) -> dict[str, Any]:
        start = (datetime.now(UTC).date() + timedelta(days=next(_starts))).isoformat()
        body = {"start_date": start, "capacity": capacity}
        return (await self.core_post(f"/v1/tours/{tour}/departures", body))["departure"]

    async def trip(self, tour: str = "PKR") -> dict[str, Any]:
        departure = await self.departure(tour)
        return (await self.core_post(f"/v1/departures/{departure['id']}/trip"))["trip"]

    async def offer(self, trip: str, phone: str, role: str = "LEAD_GUIDE") -> str:
        body = {"staff_id": self.staff_id(phone), "role": role, "compensation_amount": "400.00"}
        answer = await self.core_post(f"/v1/trips/{trip}/assignments", body, actor=OPERATIONS)
        return str(answer["assignment"]["id"])

    async def crew(self, trip: str, phone: str, role: str = "LEAD_GUIDE") -> None:
        """``phone`` on the trip's accepted crew."""
        assignment = await self.offer(trip, phone, role)
        await self.core_post(f"/v1/assignments/{assignment}/accept", actor=phone)

    async def lead(self, phone: str, tour: str = "PKR", pax: int = 2) -> dict[str, Any]:
        body = {"tour_code": tour, "pax": pax, "customer_phone": phone, "customer_name": "Asha"}
        return (await self.core_post("/v1/leads", body))["lead"]

    async def booking(self, departure: str, phone: str, pax: int = 2) -> dict[str, Any]:
        body = {"departure_id": departure, "pax": pax, "customer_phone": phone}
        return (await self.core_post("/v1/bookings", body))["booking"]

    async def offered(self, customer: str) -> dict[str, Any]:
        """A booking of ``customer`` on the waitlist of a full PKR departure, offered the seats
        its only other booking gave up (the core offers freed seats at once)."""
        departure = await self.departure("PKR", capacity=2)
        holder = await self.booking(departure["id"], a_customer(), pax=2)
        body = {"departure_id": departure["id"], "pax": 2, "customer_phone": customer}
        waiting = (await self.core_post("/v1/bookings", {**body, "waitlist": True}))["booking"]
        assert waiting["state"] == "WAITLISTED"
        await self.core_post(f"/v1/bookings/{holder['id']}/cancel")
        booking = (await self.core_get(f"/v1/bookings/{waiting['id']}"))["booking"]
        assert booking["waitlist"]["status"] == "OFFERED"
        return dict(booking)

    async def paid(self, departure: str, phone: str, pax: int = 2) -> dict[str, Any]:
        """A booking paid in full through the gateway's signed webhook: CONFIRMED."""
        booking = await self.booking(departure, phone, pax)
        link = await self.core_post(f"/v1/bookings/{booking['id']}/payment-links", {"kind": "FULL"})
        event = {
            "id": f"evt_{uuid.uuid4().hex}",
            "type": "payment.succeeded",
            "data": {
                "payment_id": f"pay_{uuid.uuid4().hex}",
                "link_id": link["id"],
                "amount": link["amount"],
                "currency": link["currency"],
                "paid_at": datetime.now(UTC).isoformat(),
                "metadata": {"tenant": TENANT},
            },
        }
        raw = json.dumps(event).encode()
        signature = hmac.new(PAYMENT_SECRET.encode(), raw, hashlib.sha256).hexdigest()
        resp = await self.core.post(
            "/v1/payments/webhook",
            data=raw,
            headers={
                "Content-Type": "application/json",
                "X-Waops-Gateway-Signature": f"sha256={signature}",
            },
        )
        assert resp.status == 200, await resp.text()
        return (await self.core_get(f"/v1/bookings/{booking['id']}"))["booking"]

    # -- commands, as the conversation engine asks them ---------------------------------

    async def ask(
        self, name: str, phone: str, args: dict[str, Any], *, role: str | None = None
    ) -> Envelope:
        """Ask for a command from ``phone`` and wait for its result."""
        command_id = await self.send_command(name, phone, args, role=role)
        return await self.result_of(command_id)

    async def send_command(
        self,
        name: str,
        phone: str,
        args: dict[str, Any],
        *,
        role: str | None = None,
        command_id: str | None = None,
    ) -> str:
        """Publish a CommandRequested as the conversation engine does, from ``phone`` (staff
        by the demo's directory, anyone else a customer); returns the command id."""
        member = self.staff.get(phone)
        actor = Actor(
            phone=phone,
            role=role or (ROLES[phone] if member else "CUSTOMER"),  # type: ignore[arg-type]
            user_id=member["id"] if member else None,
            name=member["name"] if member else "Asha",
        )
        command = CommandRequested(
            command_id=command_id or new_event_id(),
            name=name,
            actor=actor,
            conversation_id=str(uuid.uuid5(uuid.NAMESPACE_URL, phone)),
            channel_id="109876543210",
            args=args,
            source_text=f"{name} {args}",
        )
        env = Envelope.wrap(command, source="waops/conversation-engine", tenant_id=TENANT)
        await publish(self.iso.amqp_url, env)
        return command.command_id

    async def result_of(self, command_id: str) -> Envelope:
        return await self.tap.first(
            lambda e: e.type in RESULTS and e.data["command_id"] == command_id,
            what=f"the result of {command_id}",
        )

    # -- the back-office API -------------------------------------------------------------

    async def back_office(
        self,
        path: str,
        body: Any = None,
        *,
        actor: str | None = OPERATIONS,
        key: str | None = None,
        token: str | None = API_TOKEN,
        tenant: str = TENANT,
    ) -> tuple[int, dict[str, Any], CIMultiDict[str]]:
        """POST to the orchestrator's back office as the staff member with phone ``actor``
        (an id not in the directory is sent as is)."""
        headers = {"X-Waops-Tenant": tenant, "Idempotency-Key": key or str(uuid.uuid4())}
        if key == "":
            del headers["Idempotency-Key"]
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        if actor is not None:
            headers["X-Waops-Actor-Id"] = self.staff[actor]["id"] if actor in self.staff else actor
        resp = await self.orchestrator.post(path, json=body, headers=headers)
        return resp.status, await resp.json(), CIMultiDict(resp.headers)


@contextlib.asynccontextmanager
async def running_stack(isolated: Isolated) -> AsyncIterator[Stack]:
    """The core (demo operator loaded) and the orchestrator calling it over HTTP."""
    core_settings = settings_for(CoreSettings, isolated, "core")
    async with running_service(create_core, core_settings) as core:
        settings = settings_for(
            OrchestratorSettings,
            isolated,
            "orchestrator",
            core_url=str(core.make_url("")).rstrip("/"),
            core_timeout=5.0,
            core_retry_backoff=0.01,
            core_retry_backoff_max=0.05,
            api_token=API_TOKEN,
        )
        async with (
            EventTap(isolated.amqp_url, *OBSERVED) as tap,
            running_service(create_orchestrator, settings) as orchestrator,
            service_db(isolated, "orchestrator") as db,
        ):
            # Loaded once the orchestrator's queues are bound: its directory read model
            # fills from the demo's staff_upserted events.
            runtime = core.app[RUNTIME]
            await load_demo(runtime.engine, runtime.writer)

            async def directory_read() -> bool:
                return bool(await db.fetchval("SELECT count(*) FROM staff") == len(ROLES))

            await eventually(directory_read, what="the demo's staff in the orchestrator")
            resp = await core.get("/v1/staff", headers={"X-Waops-Tenant": TENANT})
            staff = {m["phone"]: m for m in (await resp.json())["staff"]}
            yield Stack(isolated, core, orchestrator, tap, staff)
