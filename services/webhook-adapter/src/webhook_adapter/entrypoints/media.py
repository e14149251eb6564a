"""``GET /v1/media/{ref}``: a stored media item's bytes, for the services that hold its ref.

Tenant-scoped (``X-Waops-Tenant``): another tenant's ref is as unknown as a made-up one.
404 unknown, 409 ``MEDIA_NOT_READY`` while still being fetched, 410 ``MEDIA_GONE`` when it
failed or was rejected (with the reason), else 200 streaming the bytes with their type.
"""

from __future__ import annotations

from urllib.parse import quote

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError
from waops_observability import get_logger
from waops_service_kit import RUNTIME, ApiError
from waops_service_kit.http import tenant_of

from webhook_adapter.adapters.media import repository
from webhook_adapter.adapters.media.store import MediaNotFound, MediaStore
from webhook_adapter.domain.media import REF_PATTERN

log = get_logger(__name__)


async def get_media(request: web.Request, store: MediaStore) -> web.StreamResponse:
    tenant = tenant_of(request)
    ref = request.match_info["ref"]
    unknown = ApiError(404, "MEDIA_NOT_FOUND", f"no media {ref!r} for this tenant")
    if not REF_PATTERN.match(ref):
        raise unknown
    try:
        async with request.app[RUNTIME].engine.connect() as conn:
            record = await repository.find(conn, tenant, ref)
    except (SQLAlchemyError, OSError, TimeoutError):
        log.exception("media.lookup_failed", ref=ref)
        raise ApiError(
            503, "STORAGE_UNAVAILABLE", "the media index is unavailable; retry"
        ) from None
    if record is None:
        raise unknown
    if record.state == "pending":
        raise ApiError(409, "MEDIA_NOT_READY", "the media is still being fetched; retry later")
    if record.state != "stored" or record.storage_key is None:
        raise ApiError(410, "MEDIA_GONE", f"the media was {record.state}: {record.reason}")

    chunks = store.stream(record.storage_key)
    try:
        first = await anext(chunks, b"")
    except MediaNotFound:
        log.error("media.missing_from_store", ref=ref, key=record.storage_key)
        raise ApiError(404, "MEDIA_MISSING", "the media is recorded but not in the store") from None
    except Exception:  # the store (disk, S3) failing: a retry may work, it is not our bug
        log.exception("media.store_read_failed", ref=ref)
        raise ApiError(
            503, "STORAGE_UNAVAILABLE", "the media store is unavailable; retry"
        ) from None
    response = web.StreamResponse(
        headers={
            "Content-Type": record.mime_type or "application/octet-stream",
            "ETag": f'"{record.sha256}"',
            # Bytes a stranger sent: never let a browser guess them into something runnable.
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, max-age=31536000, immutable",
            **(
                {"Content-Disposition": f"inline; filename*=UTF-8''{quote(record.filename)}"}
                if record.filename
                else {}
            ),
        }
    )
    if record.size_bytes is not None:
        response.content_length = record.size_bytes
    await response.prepare(request)
    await response.write(first)
    async for chunk in chunks:
        await response.write(chunk)
    await response.write_eof()
    return response
