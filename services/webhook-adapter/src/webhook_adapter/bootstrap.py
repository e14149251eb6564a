"""The webhook adapter's composition root: the only place that wires its parts."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

from aiohttp import web
from waops_contracts.events import MediaFailed, MediaStored, MessageReceived, MessageStatus
from waops_messaging import HandlerRegistry
from waops_service_kit import ServiceRuntime, build_app
from waops_service_kit.api import mount

from webhook_adapter.adapters.keyring import Keyring
from webhook_adapter.entrypoints import api
from webhook_adapter.entrypoints.common import GROUP_COMMIT, KEYRING, SETTINGS
from webhook_adapter.group_commit import GroupCommit
from webhook_adapter.handlers.registry import upsert_default_channel
from webhook_adapter.media.credentials import from_registry
from webhook_adapter.media.wiring import Media
from webhook_adapter.settings import AdapterSettings


def build_registry() -> HandlerRegistry:
    registry = HandlerRegistry()  # consumes nothing: webhooks come in over HTTP
    registry.declare_publishes(MessageReceived, MessageStatus)
    registry.declare_publishes(MediaStored, MediaFailed)  # the media fetcher's outcomes
    return registry


def build_runtime(settings: AdapterSettings) -> ServiceRuntime:
    return ServiceRuntime(
        name="webhook-adapter",
        schema="webhook_adapter",
        package="webhook_adapter",
        settings=settings,
        registry=build_registry(),
    )


def routes(
    settings: AdapterSettings, keyring: Keyring, group_commit: GroupCommit, media: Media
) -> Callable[[web.Application], None]:
    """The webhook doors, the channel registry's admin API and media (``entrypoints.api``)."""

    def add_routes(app: web.Application) -> None:
        app[SETTINGS] = settings
        app[KEYRING] = keyring
        app[GROUP_COMMIT] = group_commit
        mount(
            app,
            [api.webhook_routes(), api.admin_routes(), api.media_routes(media.get_media)],
            title="waops webhook adapter",
            version=api.API_VERSION,
            description=api.DESCRIPTION,
        )

    return add_routes


def create_app(settings: AdapterSettings | None = None) -> web.Application:
    settings = settings or AdapterSettings()
    runtime = build_runtime(settings)
    keyring = Keyring(settings.channel_keys)  # a bad key fails the start, not a request
    group_commit = GroupCommit(runtime.engine, runtime.writer)

    async def default_channel(_: web.Application) -> AsyncIterator[None]:
        # Runs after the runtime's start (migrations), before the first request is served.
        async with runtime.engine.begin() as conn:
            await upsert_default_channel(conn, settings)
        yield

    # Inbound media: fetcher (with each channel's own credentials), store, GET /v1/media/{ref}.
    media = Media(runtime, settings, from_registry(runtime.engine, keyring, settings))
    return build_app(
        runtime,
        routes(settings, keyring, group_commit, media),
        client_max_size=settings.webhook_max_bytes,
        # Last started, first stopped: webhooks being stored finish before the engine goes.
        extra_lifecycle=[default_channel, media.lifecycle, group_commit.lifecycle],
    )
