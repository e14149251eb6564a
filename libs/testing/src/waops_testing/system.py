"""The whole system, really started: every service and the sandbox as processes, on a
database and a vhost of the test's own, torn down after the test."""

from __future__ import annotations

import contextlib
import tempfile
import urllib.parse
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest_asyncio
from waops_devstack import Stack, StackConfig

from waops_testing.plugin import Isolated, IsolatedFactory
from waops_testing.poll import eventually
from waops_testing.tcp_proxy import TcpProxy

TENANT = {"X-Waops-Tenant": "demo"}


@dataclass
class System:
    stack: Stack
    iso: Isolated
    http: aiohttp.ClientSession
    proxy: TcpProxy | None
    db_proxy: TcpProxy | None = None  # between the services and PostgreSQL (db_through_proxy)

    def url(self, service: str) -> str:
        return self.stack.url(service)

    async def phone_says(
        self,
        phone: str,
        text: str,
        message_id: str | None = None,
        traceparent: str | None = None,
        provider: str | None = None,
    ) -> dict[str, Any]:
        """The sandbox phone sends ``text``, through ``provider``'s door (default: the one
        the system's default channel speaks)."""
        body: dict[str, Any] = {"from": phone, "text": text}
        wire = provider or self.stack.config.provider
        if wire != "sandbox":
            body["provider"] = wire
        if message_id:
            body["message_id"] = message_id
        if traceparent:
            body["traceparent"] = traceparent
        async with self.http.post(self.url("sandbox") + "/_sandbox/phone/send", json=body) as r:
            assert r.status == 200, await r.text()
            result: dict[str, Any] = await r.json()
            return result

    async def sent_to(self, phone: str) -> list[dict[str, Any]]:
        q = urllib.parse.urlencode({"to": phone})
        async with self.http.get(self.url("sandbox") + f"/_sandbox/sent?{q}") as r:
            assert r.status == 200, await r.text()
            sent: list[dict[str, Any]] = await r.json()
            return sent

    async def replies(
        self, phone: str, count: int, timeout: float = 30, interval: float = 0.05
    ) -> list[dict[str, Any]]:
        async def enough() -> list[dict[str, Any]] | None:
            got = await self.sent_to(phone)
            return got if len(got) >= count else None

        return await eventually(
            enough, timeout=timeout, interval=interval, what=f"{count} replies to {phone}"
        )

    async def get_json(self, service: str, path: str) -> tuple[int, Any]:
        async with self.http.get(self.url(service) + path, headers=TENANT) as r:
            return r.status, await r.json(content_type=None)

    async def audit_entries(self, **params: str) -> list[dict[str, Any]]:
        q = urllib.parse.urlencode(params)
        status, body = await self.get_json("audit", f"/v1/audit?{q}")
        assert status == 200, body
        return list(body["entries"])

    async def audited(self, phone: str, outcome: str, count: int = 1) -> list[dict[str, Any]]:
        """The phone's audit entries with this outcome, once there are ``count`` of them (the
        audit consumes command events on its own, so it may trail the customer's reply)."""

        async def enough() -> list[dict[str, Any]] | None:
            entries = await self.audit_entries(outcome=outcome, limit="500")
            mine = [e for e in entries if (e.get("actor") or {}).get("phone") == phone]
            return mine if len(mine) >= count else None

        return await eventually(enough, timeout=30, what=f"{count} {outcome} entries of {phone}")


def reply_text(message: dict[str, Any]) -> str:
    """The text body of a send the sandbox recorded."""
    return str(message["body"])


StartSystem = Callable[..., Any]


@contextlib.asynccontextmanager
async def running_system(
    factory: IsolatedFactory,
    log_dir: Path,
    *,
    through_proxy: bool = False,
    prefix: str = "waops_it",
    provider: str = "sandbox",
    test_clock: bool = False,
    db_through_proxy: bool = False,
) -> AsyncIterator[System]:
    """Every service and the sandbox as processes on a database and vhost of their own, the
    demo operator loaded and known to the conversation engine; all stopped on exit.

    ``through_proxy`` puts a ``TcpProxy`` between the services and the broker (``proxy``),
    ``db_through_proxy`` one between the services and PostgreSQL (``db_proxy``)."""
    iso = await factory.make(prefix)
    proxy = None
    amqp_url = iso.amqp_url
    if through_proxy:
        parts = urllib.parse.urlsplit(iso.amqp_url)
        proxy = TcpProxy(parts.hostname or "127.0.0.1", parts.port or 5672)
        await proxy.start()
        amqp_url = urllib.parse.urlunsplit(
            parts._replace(netloc=f"{parts.username}:{parts.password}@127.0.0.1:{proxy.port}")
        )
    db_proxy = None
    if db_through_proxy:
        pg = urllib.parse.urlsplit(iso.admin_url)
        db_proxy = TcpProxy(pg.hostname or "127.0.0.1", pg.port or 5432)
        await db_proxy.start()
    stack = Stack(
        StackConfig(
            admin_url=iso.admin_url,
            database=iso.database,
            amqp_url=amqp_url,
            log_dir=log_dir / iso.database,
            provider=provider,
            test_clock=test_clock,
            db_address=f"127.0.0.1:{db_proxy.port}" if db_proxy else None,
        )
    )
    http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15))
    system = System(stack, iso, http, proxy, db_proxy)
    try:
        await stack.start(timeout=90)
        await stack.run_command("core", "seed-demo")
        await wait_catalogue_known(system)
        yield system
    finally:
        await http.close()
        await stack.stop()
        if proxy:
            await proxy.stop()
        if db_proxy:
            await db_proxy.stop()


@pytest_asyncio.fixture
async def start_system(isolated_factory: IsolatedFactory) -> AsyncIterator[StartSystem]:
    with tempfile.TemporaryDirectory(prefix="waops-it-", ignore_cleanup_errors=True) as logs:
        async with contextlib.AsyncExitStack() as systems:

            async def start(
                *, through_proxy: bool = False, provider: str = "sandbox", test_clock: bool = False
            ) -> System:
                return await systems.enter_async_context(
                    running_system(
                        isolated_factory,
                        Path(logs),
                        through_proxy=through_proxy,
                        provider=provider,
                        test_clock=test_clock,
                    )
                )

            yield start


async def wait_catalogue_known(system: System) -> None:
    """The demo's catalogue reaches the conversation engine through events; wait for it."""

    async def known() -> bool:
        status, body = await system.get_json("conversation-engine", "/v1/catalogue")
        return status == 200 and len(body.get("tours", [])) >= 3

    await eventually(known, timeout=30, what="the catalogue to reach the conversation engine")
