"""Fetches registered media from the providers, after the webhooks were answered.

Due rows are claimed with a lease (``FOR UPDATE SKIP LOCKED``: replicas share the work),
fetched outside any transaction, streamed into the media store with the size limit enforced
as bytes arrive (never buffered whole), checked (type allow-list, Meta's sha256), and
settled with their ``media.stored`` / ``media.failed`` event in one transaction (outbox).
Transient failures are retried with exponential backoff up to a bounded number of attempts.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
from sqlalchemy.ext.asyncio import AsyncEngine
from waops_contracts.events import MediaFailed, MediaStored
from waops_messaging import EventWriter, Wakeup
from waops_observability import get_logger

from webhook_adapter.adapters.media import repository
from webhook_adapter.adapters.media.credentials import CredentialsLookup
from webhook_adapter.adapters.media.repository import PendingMedia
from webhook_adapter.adapters.media.sources import Download, open_download
from webhook_adapter.adapters.media.store import CHUNK, MediaStore
from webhook_adapter.domain.media import (
    MediaPolicy,
    MediaRejected,
    MediaUnavailable,
    TransientFetchError,
    sha256_matches,
)

log = get_logger(__name__)


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int
    first_backoff: float
    max_backoff: float = 300.0

    def delay(self, attempts: int) -> float:
        return min(self.first_backoff * 2.0 ** (attempts - 1), self.max_backoff)


class _Meter:
    """Counts and hashes a stream on its way to the store; aborts it past the limit."""

    def __init__(self, body: aiohttp.StreamReader, limit: int) -> None:
        self._body = body
        self._limit = limit
        self.size = 0
        self.hash = hashlib.sha256()

    async def chunks(self) -> AsyncIterator[bytes]:
        async for chunk in self._body.iter_chunked(CHUNK):
            self.size += len(chunk)
            if self.size > self._limit:
                raise MediaRejected(f"larger than {self._limit} bytes (aborted while streaming)")
            self.hash.update(chunk)
            yield chunk


class MediaFetcher:
    def __init__(
        self,
        engine: AsyncEngine,
        writer: EventWriter,
        store: MediaStore,
        credentials_for: CredentialsLookup,
        *,
        policy: MediaPolicy,
        retry: RetryPolicy,
        fetch_timeout: float,
        listen_dsn: str | None,
        poll_interval: float = 1.0,
        batch: int = 8,
        stop_timeout: float = 20.0,
    ) -> None:
        self._engine = engine
        self._writer = writer
        self._store = store
        self._credentials_for = credentials_for
        self._policy = policy
        self._retry = retry
        self._timeout = fetch_timeout
        # A claim outlives the longest fetch, so a live fetch is never claimed twice.
        self._lease = fetch_timeout + 30.0
        self._batch = batch
        self._stop_timeout = stop_timeout
        self._wakeup = Wakeup(listen_dsn, repository.NOTIFY_CHANNEL, poll_interval)
        self._session: aiohttp.ClientSession | None = None
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        # Each fetch bounds itself (asyncio.timeout); the session has no overall limit.
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None))
        self._task = asyncio.create_task(self._run(), name="media-fetcher")

    async def stop(self) -> None:
        self._stopping = True
        self._wakeup.set()
        if self._task is not None:
            try:
                await asyncio.wait_for(self._task, timeout=self._stop_timeout)
            except (TimeoutError, asyncio.CancelledError):
                pass  # cancelled mid-fetch: the lease runs out, the row is fetched again
            except Exception as exc:
                log.warning("media.fetcher_stop_failed", error=repr(exc))
        await self._wakeup.close()
        if self._session is not None:
            await self._session.close()

    async def _run(self) -> None:
        while not self._stopping:
            try:
                claimed = await self.fetch_due()
            except Exception as exc:
                log.warning("media.pass_failed", error=repr(exc))
                claimed = 0
            if not claimed:
                await self._wakeup.wait()

    async def fetch_due(self) -> int:
        async with self._engine.begin() as conn:
            batch = await repository.claim_due(conn, self._batch, self._lease)
        await asyncio.gather(*(self._fetch(item) for item in batch))
        return len(batch)

    async def _fetch(self, item: PendingMedia) -> None:
        try:
            async with asyncio.timeout(self._timeout):
                stored = await self._store_media(item)
        except MediaRejected as exc:
            await self._settle_badly(item, "rejected", str(exc))
        except MediaUnavailable as exc:
            await self._settle_badly(item, "failed", str(exc))
        except (TransientFetchError, aiohttp.ClientError, TimeoutError, OSError) as exc:
            await self._transient(item, _reason(exc))
        except Exception as exc:  # unexpected: retried like a transient one, bounded
            log.exception("media.fetch_crashed", ref=item.ref)
            await self._transient(item, _reason(exc))
        else:
            await self._settle_stored(item, *stored)

    async def _store_media(self, item: PendingMedia) -> tuple[str, int, str]:
        """Fetch and store; (mime type, size, sha256 hex) of what was stored."""
        assert self._session is not None, "start() first"
        credentials = await self._credentials_for(item.channel_id)
        async with open_download(self._session, item, credentials, self._precheck) as download:
            mime = self._policy.check_type(download.mime_type or item.declared_mime_type)
            self._policy.check_size(download.declared_size)
            self._policy.check_size(download.length)
            meter = await self._write(item, download, mime)
        digest = meter.hash.hexdigest()
        if not sha256_matches(download.sha256, digest):
            await self._store.delete(item.ref)
            raise TransientFetchError("the bytes do not match the provider's sha256")
        return mime, meter.size, digest

    def _precheck(self, mime_type: str | None, size: int | None) -> None:
        if mime_type is not None:  # none declared yet: the download's type is checked
            self._policy.check_type(mime_type)
        self._policy.check_size(size)

    async def _write(self, item: PendingMedia, download: Download, mime: str) -> _Meter:
        meter = _Meter(download.body, self._policy.max_bytes)
        await self._store.put(item.ref, meter.chunks(), content_type=mime)
        return meter

    async def _settle_stored(self, item: PendingMedia, mime: str, size: int, sha: str) -> None:
        async with self._engine.begin() as conn:
            if not await repository.mark_stored(
                conn, item, mime_type=mime, size_bytes=size, sha256=sha, storage_key=item.ref
            ):
                return  # our lease ran out and another attempt owns the row now
            await self._writer.write(
                conn,
                MediaStored(
                    ref=item.ref,
                    channel_id=item.channel_id,
                    provider=item.provider,
                    provider_media_id=item.provider_media_id,
                    mime_type=mime,
                    size_bytes=size,
                    sha256=sha,
                    filename=item.filename,
                ),
                tenant_id=item.tenant_id,
                subject=f"MEDIA/{item.ref}",
            )
        log.info("media.stored", ref=item.ref, bytes=size, mime_type=mime, attempts=item.attempts)

    async def _settle_badly(self, item: PendingMedia, outcome: str, reason: str) -> None:
        reason = reason[:500]
        async with self._engine.begin() as conn:
            if not await repository.mark_settled_badly(conn, item, outcome, reason):
                return
            await self._writer.write(
                conn,
                MediaFailed(
                    ref=item.ref,
                    channel_id=item.channel_id,
                    provider=item.provider,
                    provider_media_id=item.provider_media_id,
                    outcome="rejected" if outcome == "rejected" else "failed",
                    reason=reason,
                ),
                tenant_id=item.tenant_id,
                subject=f"MEDIA/{item.ref}",
            )
        log.warning(f"media.{outcome}", ref=item.ref, reason=reason, attempts=item.attempts)

    async def _transient(self, item: PendingMedia, reason: str) -> None:
        if item.attempts >= self._retry.max_attempts:
            await self._settle_badly(
                item, "failed", f"gave up after {item.attempts} attempts: {reason}"
            )
            return
        delay = self._retry.delay(item.attempts)
        async with self._engine.begin() as conn:
            await repository.mark_retry(conn, item, reason[:500], delay)
        log.warning("media.retry", ref=item.ref, reason=reason, in_s=delay)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "timed out"
    return str(exc) or type(exc).__name__
