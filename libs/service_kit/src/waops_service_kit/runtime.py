"""One way to build every service process.

``ServiceRuntime`` owns the engine, the broker connection, the consumers and the outbox
relay; ``build_app`` turns it into an aiohttp app whose cleanup context starts them in
order and stops them in reverse: stop consuming, finish in-flight work, stop the relay,
close the broker, dispose the engine. Nothing is acked that did not finish.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine
from waops_messaging import Broker, Consumers, EventWriter, HandlerRegistry, OutboxRelay
from waops_observability import configure, get_logger

from waops_service_kit.db import asyncpg_dsn, connection_room, create_engine, ping
from waops_service_kit.http import build_middlewares, healthz, json_error, metrics_route
from waops_service_kit.migrations import migrate
from waops_service_kit.settings import ServiceSettings

log = get_logger(__name__)

RUNTIME: web.AppKey[ServiceRuntime] = web.AppKey("runtime", object)  # type: ignore[arg-type]


@dataclass
class ServiceRuntime:
    """Everything a service process runs, wired once by the service's bootstrap."""

    name: str
    schema: str
    package: str
    settings: ServiceSettings
    registry: HandlerRegistry = field(default_factory=HandlerRegistry)
    deps: Any = None
    engine: AsyncEngine = field(init=False)
    broker: Broker = field(init=False)
    writer: EventWriter = field(init=False)
    consumers: Consumers | None = field(init=False, default=None)
    relay: OutboxRelay = field(init=False)
    background: list[Callable[[], Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.engine = create_engine(
            self.settings.database_url,
            self.schema,
            pool_size=self.settings.db_pool_size,
            max_overflow=self.settings.db_pool_overflow,
            pool_timeout=self.settings.db_pool_timeout,
        )
        self.broker = Broker(self.settings.amqp_url, name=f"waops-{self.name}")
        self.writer = EventWriter(source=f"waops/{self.name}", schema=self.schema)
        self.relay = OutboxRelay(
            self.engine,
            self.broker,
            schema=self.schema,
            listen_dsn=asyncpg_dsn(self.settings.database_url),
            poll_interval=self.settings.outbox_poll_interval,
        )

    async def start(self) -> None:
        if self.settings.migrate_on_start:
            await migrate(self.engine, self.schema, self.package)
        if self.registry.subscriptions:
            self.consumers = Consumers(
                service=self.name,
                broker=self.broker,
                engine=self.engine,
                writer=self.writer,
                subscriptions=self.registry.subscriptions,
                deps=self.deps,
                # WAOPS_SHUTDOWN_TIMEOUT bounds the drain too: a handler still running then
                # is cancelled (rolled back, never acked) so the stop fits the grace period.
                drain_timeout=self.settings.shutdown_timeout,
                transient_window=self.settings.transient_retry_window,
            )
        await self.check_connection_budget()
        self.broker.start()
        self.relay.start()
        log.info("service.started", service=self.name)

    async def check_connection_budget(self) -> None:
        """Say loudly, at start, when this process's budget does not fit what the server
        has left: under load it would meet ``too many connections`` instead of waiting for
        its own pool. (Not fatal: a rolling restart briefly runs old and new side by side.)"""
        try:
            room = await connection_room(self.engine)
        except Exception as exc:
            log.warning("db.connection_budget_unknown", error=repr(exc))
            return
        wanted = self.settings.connection_budget - 1  # the connection that asked is already counted
        if room.fits(wanted):
            log.info("db.connection_budget", budget=self.settings.connection_budget, **vars(room))
            return
        log.error(
            "db.connection_budget_exceeded",
            budget=self.settings.connection_budget,
            allowed=room.allowed,
            in_use=room.in_use,
            hint="lower WAOPS_DB_POOL_SIZE / WAOPS_DB_POOL_OVERFLOW, run fewer replicas,"
            " raise max_connections or put a pooler (PgBouncer) in front",
        )

    async def stop(self) -> None:
        log.info("service.stopping", service=self.name)
        if self.consumers is not None:
            await self.consumers.stop()
        await self.relay.stop()
        await self.broker.stop()
        await self.engine.dispose()
        log.info("service.stopped", service=self.name)

    async def readiness(self) -> dict[str, str]:
        checks: dict[str, str] = {}
        try:
            await asyncio.wait_for(ping(self.engine), timeout=2)
            checks["database"] = "ok"
        except Exception as exc:
            checks["database"] = f"down: {type(exc).__name__}"
        checks["broker"] = "ok" if self.broker.is_connected else "down"
        return checks


async def readyz(request: web.Request) -> web.Response:
    checks = await request.app[RUNTIME].readiness()
    ok = all(v == "ok" for v in checks.values())
    if not ok:
        return json_error(503, "NOT_READY", "dependencies are not ready", **checks)
    return web.json_response({"status": "ready", "checks": checks})


def build_app(
    runtime: ServiceRuntime,
    add_routes: Callable[[web.Application], None] | None = None,
    *,
    client_max_size: int = 1024**2,
    extra_lifecycle: list[Callable[[web.Application], Any]] | None = None,
) -> web.Application:
    configure(runtime.name, json_logs=runtime.settings.json_logs, level=runtime.settings.log_level)
    app = web.Application(
        middlewares=build_middlewares(runtime.name), client_max_size=client_max_size
    )
    app[RUNTIME] = runtime
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics_route)
    if add_routes is not None:
        add_routes(app)

    async def lifecycle(_: web.Application) -> AsyncIterator[None]:
        await runtime.start()
        yield
        await runtime.stop()

    app.cleanup_ctx.append(lifecycle)
    for extra in extra_lifecycle or []:
        app.cleanup_ctx.append(extra)
    return app


def serve(app: web.Application, *, host: str, port: int, shutdown_timeout: float) -> None:
    """Run until SIGINT/SIGTERM; aiohttp then runs the cleanup contexts in reverse."""
    with contextlib.suppress(KeyboardInterrupt):
        web.run_app(
            app,
            host=host,
            port=port,
            shutdown_timeout=shutdown_timeout,
            access_log=None,
            print=lambda *_: None,
            handle_signals=True,
        )
