"""The webhook adapter's composition root: the only place that wires its parts.

Media's parts are built here too, from the settings: the store (local or S3), the fetcher
(started and stopped with the service) and the read API."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path

from aiobotocore.session import get_session
from aiohttp import web
from waops_contracts.events import MediaFailed, MediaStored, MessageReceived, MessageStatus
from waops_messaging import HandlerRegistry
from waops_observability import get_logger
from waops_service_kit import ServiceRuntime, build_app
from waops_service_kit.api import mount
from waops_service_kit.db import asyncpg_dsn

from webhook_adapter.adapters.keyring import Keyring
from webhook_adapter.adapters.media.credentials import CredentialsLookup, from_settings
from webhook_adapter.adapters.media.s3 import S3MediaStore
from webhook_adapter.adapters.media.store import LocalMediaStore, MediaStore
from webhook_adapter.domain.media import MediaPolicy
from webhook_adapter.entrypoints import api
from webhook_adapter.entrypoints import media as media_routes
from webhook_adapter.entrypoints.common import GROUP_COMMIT, KEYRING, SETTINGS
from webhook_adapter.handlers.channel_registry import upsert_default_channel
from webhook_adapter.handlers.group_commit import GroupCommit
from webhook_adapter.handlers.media import from_registry
from webhook_adapter.handlers.media_fetcher import MediaFetcher, RetryPolicy
from webhook_adapter.settings import AdapterSettings

log = get_logger(__name__)


@contextlib.asynccontextmanager
async def open_store(settings: AdapterSettings) -> AsyncIterator[MediaStore]:
    if settings.media_store == "local":
        try:
            await asyncio.to_thread(Path(settings.media_dir).mkdir, parents=True, exist_ok=True)
        except OSError as exc:
            # Loud, not fatal: webhooks must keep flowing; fetches fail (and retry) until fixed.
            log.error("media.store_unwritable", media_dir=settings.media_dir, error=repr(exc))
        yield LocalMediaStore(settings.media_dir)
        return
    if not settings.media_s3_bucket:
        raise ValueError("WAOPS_MEDIA_STORE=s3 needs WAOPS_MEDIA_S3_BUCKET")
    async with get_session().create_client(
        "s3",
        endpoint_url=settings.media_s3_endpoint_url,
        region_name=settings.media_s3_region,
        aws_access_key_id=settings.media_s3_access_key_id,
        aws_secret_access_key=settings.media_s3_secret_access_key,
    ) as client:
        yield S3MediaStore(client, settings.media_s3_bucket, settings.media_s3_prefix)


class Media:
    """The adapter's media component: ``get_media`` is routed, ``lifecycle`` goes to ``build_app``."""

    def __init__(
        self,
        runtime: ServiceRuntime,
        settings: AdapterSettings,
        credentials_for: CredentialsLookup | None = None,
    ) -> None:
        self._runtime = runtime
        self._settings = settings
        self._credentials_for = credentials_for or from_settings(settings)
        self.fetcher: MediaFetcher | None = None
        self.store: MediaStore | None = None

    async def get_media(self, request: web.Request) -> web.StreamResponse:
        """A stored media file, streamed (tenant in X-Waops-Tenant)"""
        assert self.store is not None, "the media lifecycle opens the store before serving"
        return await media_routes.get_media(request, self.store)

    async def lifecycle(self, app: web.Application) -> AsyncIterator[None]:
        settings = self._settings
        async with open_store(settings) as store:
            self.store = store
            self.fetcher = MediaFetcher(
                self._runtime.engine,
                self._runtime.writer,
                store,
                self._credentials_for,
                policy=MediaPolicy.from_list(
                    settings.media_max_bytes, settings.media_allowed_types
                ),
                retry=RetryPolicy(settings.media_fetch_max_attempts, settings.media_retry_backoff),
                fetch_timeout=settings.media_fetch_timeout,
                listen_dsn=asyncpg_dsn(settings.database_url),
                poll_interval=settings.outbox_poll_interval,
                stop_timeout=settings.shutdown_timeout,
            )
            self.fetcher.start()
            yield
            await self.fetcher.stop()


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
