"""The orchestrator's composition root: the only place that wires its parts."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web
from waops_service_kit import ServiceRuntime, build_app
from waops_service_kit.circuit_breaker import CircuitBreaker

from orchestrator.adapters.core_client import CoreClient, CoreUnavailable
from orchestrator.entrypoints.http import add_routes
from orchestrator.handlers import build_registry
from orchestrator.handlers.deps import OrchestratorDeps
from orchestrator.settings import OrchestratorSettings


def build_core_client(settings: OrchestratorSettings) -> CoreClient:
    breaker = CircuitBreaker(
        name="core",
        failures=settings.core_breaker_failures,
        cooldown=settings.core_breaker_cooldown,
        failure_types=(CoreUnavailable,),
    )
    return CoreClient(
        settings.core_url,
        timeout=settings.core_timeout,
        attempts=settings.core_retry_attempts,
        backoff=settings.core_retry_backoff,
        backoff_max=settings.core_retry_backoff_max,
        breaker=breaker,
    )


def build_runtime(settings: OrchestratorSettings) -> ServiceRuntime:
    return ServiceRuntime(
        name="orchestrator",
        schema="orchestrator",
        package="orchestrator",
        settings=settings,
        registry=build_registry(),
        deps=OrchestratorDeps(core=build_core_client(settings)),
    )


def create_app(settings: OrchestratorSettings | None = None) -> web.Application:
    settings = settings or OrchestratorSettings()
    runtime = build_runtime(settings)
    core: CoreClient = runtime.deps.core

    async def core_session(_: web.Application) -> AsyncIterator[None]:
        await core.start()
        yield
        await core.close()

    app = build_app(runtime, add_routes)
    # First in, last out: the HTTP session opens before the consumers start and closes only
    # after they have drained, so an in-flight command never finds it closed.
    app.cleanup_ctx.insert(0, core_session)
    return app
