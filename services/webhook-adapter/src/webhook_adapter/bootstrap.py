"""The webhook adapter's composition root: the only place that wires its parts."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web
from waops_contracts.events import MessageReceived, MessageStatus
from waops_messaging import HandlerRegistry
from waops_service_kit import ServiceRuntime, build_app

from webhook_adapter.adapters.store import upsert_channel
from webhook_adapter.entrypoints.http import routes
from webhook_adapter.settings import AdapterSettings


def build_registry() -> HandlerRegistry:
    registry = HandlerRegistry()  # consumes nothing: webhooks come in over HTTP
    registry.declare_publishes(MessageReceived, MessageStatus)
    return registry


def build_runtime(settings: AdapterSettings) -> ServiceRuntime:
    return ServiceRuntime(
        name="webhook-adapter",
        schema="webhook_adapter",
        package="webhook_adapter",
        settings=settings,
        registry=build_registry(),
    )


def create_app(settings: AdapterSettings | None = None) -> web.Application:
    settings = settings or AdapterSettings()
    runtime = build_runtime(settings)

    async def default_channel(_: web.Application) -> AsyncIterator[None]:
        # Runs after the runtime's start (migrations), before the first request is served.
        async with runtime.engine.begin() as conn:
            await upsert_channel(
                conn,
                channel_id=settings.meta_phone_number_id,  # channel id = Meta's number id
                tenant_id=settings.default_tenant,
                provider=settings.provider,
                phone_number_id=settings.meta_phone_number_id,
                display_name=settings.channel_display_name,
            )
        yield

    return build_app(
        runtime,
        routes(settings),
        client_max_size=settings.webhook_max_bytes,
        extra_lifecycle=[default_channel],
    )
