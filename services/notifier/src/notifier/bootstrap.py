"""The notifier's composition root."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
from aiohttp import web
from waops_service_kit import ServiceRuntime, build_app
from waops_service_kit.db import asyncpg_dsn

from notifier.adapters.dispatcher import Dispatcher
from notifier.adapters.providers.meta import MetaCloudProvider
from notifier.handlers import NotifierDeps, build_registry
from notifier.settings import NotifierSettings


def build_runtime(settings: NotifierSettings) -> ServiceRuntime:
    return ServiceRuntime(
        name="notifier",
        schema="notifier",
        package="notifier",
        settings=settings,
        registry=build_registry(),
        deps=NotifierDeps(default_channel_id=settings.meta_phone_number_id),
    )


def create_app(settings: NotifierSettings | None = None) -> web.Application:
    settings = settings or NotifierSettings()
    runtime = build_runtime(settings)

    async def dispatcher(_: web.Application) -> AsyncIterator[None]:
        async with aiohttp.ClientSession() as session:  # each send has its own timeout
            provider = MetaCloudProvider(
                base_url=settings.graph_url,
                version=settings.meta_graph_version,
                phone_number_id=settings.meta_phone_number_id,
                access_token=settings.meta_access_token,
                session=session,
                timeout=settings.send_timeout,
            )
            sender = Dispatcher(
                runtime.engine,
                runtime.writer,
                provider,
                provider_name="meta",
                listen_dsn=asyncpg_dsn(settings.database_url),
                max_attempts=settings.send_max_attempts,
                poll_interval=settings.outbox_poll_interval,
                stop_timeout=settings.shutdown_timeout,
            )
            sender.start()
            yield
            await sender.stop()

    return build_app(runtime, extra_lifecycle=[dispatcher])
