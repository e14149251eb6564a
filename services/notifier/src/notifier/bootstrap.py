"""The notifier's composition root."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
from aiohttp import web
from waops_observability import get_logger
from waops_service_kit import ServiceRuntime, build_app
from waops_service_kit.db import asyncpg_dsn

from notifier.adapters.breaker import ChannelBreakers
from notifier.adapters.channels import (
    ChannelResolver,
    ProviderFactory,
    default_channel,
    default_channel_id,
)
from notifier.adapters.dispatcher import Dispatcher, circuit_changed
from notifier.domain.formatting import Style, zone
from notifier.domain.notices import USED
from notifier.domain.templates import CATALOGUE
from notifier.entrypoints.http import routes
from notifier.handlers import build_registry
from notifier.handlers.notify import NotifierDeps
from notifier.settings import NotifierSettings

log = get_logger(__name__)


@dataclass
class Running:
    """What the app's lifecycle started, for routes and tests to reach."""

    dispatcher: Dispatcher | None = None


RUNNING = web.AppKey("notifier_running", Running)


def build_runtime(settings: NotifierSettings) -> ServiceRuntime:
    CATALOGUE.require(USED)  # a template the code sends but no file defines stops the start
    if settings.env == "production" and "support_line" not in settings.model_fields_set:
        log.warning("settings.support_line_default", support_line=settings.support_line)
    return ServiceRuntime(
        name="notifier",
        schema="notifier",
        package="notifier",
        settings=settings,
        registry=build_registry(),
        deps=NotifierDeps(
            default_channel_id=default_channel_id(settings),
            style=Style(support_line=settings.support_line, timezone=zone(settings.timezone)),
            default_language=settings.default_language,
        ),
    )


def create_app(settings: NotifierSettings | None = None) -> web.Application:
    settings = settings or NotifierSettings()
    runtime = build_runtime(settings)
    running = Running()

    def breakers() -> ChannelBreakers | None:
        return running.dispatcher.breakers if running.dispatcher else None

    def wake() -> None:
        if running.dispatcher is not None:
            running.dispatcher.wake()

    async def dispatcher(_: web.Application) -> AsyncIterator[None]:
        async with aiohttp.ClientSession() as session:  # each request has its own timeout
            resolver = ChannelResolver(
                default_channel(settings),
                session,
                adapter_url=settings.adapter_url,
                admin_token=(settings.admin_keys or (None,))[0],  # the newest
                ttl=settings.channel_cache_ttl,
            )
            sender = Dispatcher(
                runtime.engine,
                runtime.writer,
                resolver,
                ProviderFactory(session, settings),
                listen_dsn=asyncpg_dsn(settings.database_url),
                max_attempts=settings.send_max_attempts,
                backoff=settings.retry_backoff,
                backoff_max=settings.retry_backoff_max,
                breakers=ChannelBreakers(
                    failures=settings.breaker_failures,
                    cooldown=settings.breaker_cooldown,
                    on_change=circuit_changed,
                ),
                halt_resume_after=settings.halt_resume_after,
                poll_interval=settings.outbox_poll_interval,
                stop_timeout=settings.shutdown_timeout,
                window=settings.window_policy,
                lease_seconds=settings.send_lease,
                unknown_resend_after=settings.unknown_resend_after,
                record_retry_for=settings.record_retry_for,
            )
            running.dispatcher = sender
            sender.start()
            yield
            await sender.stop()
            running.dispatcher = None

    app = build_app(
        runtime,
        routes(runtime.engine, breakers, settings.admin_keys, wake),
        extra_lifecycle=[dispatcher],
    )
    app[RUNNING] = running
    return app
