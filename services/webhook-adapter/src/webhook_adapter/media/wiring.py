"""Builds the media parts from the settings, for the adapter's bootstrap: the store (local
or S3), the fetcher (started and stopped with the service) and the read API."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from aiobotocore.session import get_session
from aiohttp import web
from waops_observability import get_logger
from waops_service_kit import ServiceRuntime
from waops_service_kit.db import asyncpg_dsn

from webhook_adapter.media import http
from webhook_adapter.media.credentials import CredentialsLookup, from_settings
from webhook_adapter.media.fetcher import MediaFetcher, RetryPolicy
from webhook_adapter.media.policy import MediaPolicy
from webhook_adapter.media.s3 import S3MediaStore
from webhook_adapter.media.store import LocalMediaStore, MediaStore
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
        return await http.get_media(request, self.store)

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
