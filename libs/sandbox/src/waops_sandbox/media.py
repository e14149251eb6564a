"""Media hosting, as the providers do it, for inbound fetches and outbound uploads.

- Graph API (Meta): ``GET /{version}/{media_id}`` with the bearer token answers
  ``{"messaging_product", "url", "mime_type", "sha256", "file_size", "id"}``; the ``url``
  (``/_sandbox/media/download/{id}``) needs the bearer too. ``POST /{version}/{phone_number_id}/media``
  (multipart: ``messaging_product=whatsapp``, ``file``, ``type``) uploads and answers ``{"id"}``.
- 360dialog: ``GET /{media_id}`` with ``D360-API-KEY`` answers the same JSON, its ``url`` on
  Meta's host (``https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=…``): as
  360dialog documents, a client downloads it from the 360dialog host instead (same path and
  query, ``GET /whatsapp_business/attachments/`` with the key). ``POST /media`` uploads.
- Twilio: ``GET /2010-04-01/Accounts/{sid}/Messages/{msid}/Media/{media_sid}`` with basic
  auth redirects (307) to a short-lived URL that needs no auth, as Twilio does once HTTP auth
  on media is enforced.

Control: ``POST /_sandbox/media?id=…&filename=…&chunked=1`` puts the raw body under an id
with its Content-Type (``chunked``: served without any size, as a provider that does not
announce it); ids ``sandbox-media-<n>`` not put hold a small deterministic PNG.
``POST /_sandbox/media/faults`` (``{"id", "status"?, "delay"?, "times"?}``) makes the next
``times`` lookups of an id (the Graph/360dialog metadata GET, the Twilio media GET) answer
``status`` after ``delay`` seconds (a delay alone: slow but successful).
``GET /_sandbox/media/requests`` lists every provider-side media request the sandbox served.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import re
import secrets
import struct
import time
import zlib
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import BodyPartReader, web

from waops_sandbox import graph
from waops_sandbox.http_input import basic_credentials

if TYPE_CHECKING:
    from waops_sandbox.app import SandboxConfig

D360_KEY_HEADER = "D360-API-KEY"
META_MEDIA_HOST = "https://lookaside.fbsbx.com"
ATTACHMENTS_PATH = "/whatsapp_business/attachments/"
TWILIO_VERSION = "2010-04-01"
SAMPLE_ID = re.compile(r"^sandbox-media-(\d{1,9})$")
URL_TTL = 300  # Meta's media URLs live five minutes
PUT_LIMIT = 200 * 1024 * 1024  # above WhatsApp's largest (100 MB documents)


@dataclass(frozen=True)
class MediaItem:
    id: str
    content: bytes
    mime_type: str
    filename: str | None = None
    # Served chunked, without Content-Length or file_size: a provider that does not announce
    # the size, so only the bytes themselves show it.
    chunked: bool = False

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    def describe(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "mime_type": self.mime_type,
            "sha256": self.sha256,
            "file_size": len(self.content),
            "filename": self.filename,
            "chunked": self.chunked,
        }


@dataclass
class MediaFault:
    status: int | None = None
    delay: float = 0.0
    times: int = 1


@dataclass
class MediaState:
    items: dict[str, MediaItem] = field(default_factory=dict)
    faults: dict[str, deque[MediaFault]] = field(default_factory=dict)
    requests: list[dict[str, Any]] = field(default_factory=list)
    # Signs the short-lived download URLs (Meta's ``hash``, Twilio's signed CDN URL).
    url_key: bytes = field(default_factory=lambda: secrets.token_bytes(32))

    def item(self, media_id: str) -> MediaItem | None:
        if (put := self.items.get(media_id)) is not None:
            return put
        if (sample := SAMPLE_ID.match(media_id)) is not None:
            return MediaItem(media_id, sample_png(int(sample.group(1))), "image/png")
        return None

    def next_fault(self, media_id: str) -> MediaFault | None:
        queue = self.faults.get(media_id)
        if not queue:
            return None
        fault = queue[0]
        fault.times -= 1
        if fault.times <= 0:
            queue.popleft()
        return fault

    def signature(self, media_id: str, expires: int) -> str:
        message = f"{media_id}:{expires}".encode()
        return hmac.new(self.url_key, message, hashlib.sha256).hexdigest()[:32]

    def signed_query(self, media_id: str) -> str:
        expires = int(time.time()) + URL_TTL
        return f"mid={media_id}&ext={expires}&hash={self.signature(media_id, expires)}"

    def valid_signature(self, query: Any) -> str | None:
        """The media id of a signed, unexpired download URL's query, else None."""
        media_id, ext, sig = query.get("mid", ""), query.get("ext", ""), query.get("hash", "")
        if not ext.isdigit() or int(ext) < time.time():
            return None
        return media_id if hmac.compare_digest(sig, self.signature(media_id, int(ext))) else None


MEDIA = web.AppKey("sandbox_media", MediaState)


def sample_png(n: int) -> bytes:
    """A valid 8×8 PNG whose colour depends on ``n``: the same bytes for the same id."""
    colour = bytes(((n * 67) % 256, (n * 131) % 256, (n * 197) % 256))
    raw = b"".join(b"\x00" + colour * 8 for _ in range(8))  # filter 0, 8 RGB pixels per row

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0)  # 8×8, 8-bit truecolour
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def _origin(request: web.Request) -> str:
    """The sandbox as the caller reached it: download URLs then work from wherever it is
    called (a test's random port, ``http://sandbox:8090`` inside compose)."""
    return f"{request.scheme}://{request.host}"


def _bearer(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip()
    return request.query.get("access_token")


def _graph_error(exc: graph.GraphError) -> web.Response:
    return web.json_response(exc.body(), status=exc.status)


def _unknown_media(media_id: str) -> graph.GraphError:
    # Meta answers an unknown or expired media id like any unknown object: 400, code 100/33.
    return graph.GraphError(
        400,
        100,
        f"Unsupported get request. Object with ID '{media_id}' does not exist, cannot be "
        "loaded due to missing permissions, or does not support this operation.",
        type_="GraphMethodException",
        subcode=33,
    )


def _twilio_error(code: int, status: int, message: str) -> web.Response:
    body = {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
    return web.json_response(body, status=status)


async def _binary(request: web.Request, item: MediaItem) -> web.StreamResponse:
    if not item.chunked:
        return web.Response(body=item.content, content_type=item.mime_type)
    response = web.StreamResponse(headers={"Content-Type": item.mime_type})
    response.enable_chunked_encoding()
    await response.prepare(request)
    for start in range(0, len(item.content), 16 * 1024):
        await response.write(item.content[start : start + 16 * 1024])
    await response.write_eof()
    return response


def _metadata(item: MediaItem, url: str) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "url": url,
        "mime_type": item.mime_type,
        "sha256": item.sha256,
        "file_size": len(item.content),
        "id": item.id,
    }
    if item.chunked:
        del answer["file_size"]
    return answer


def install(app: web.Application, config: SandboxConfig) -> None:
    """Add the media routes (provider side and control side) to the sandbox app."""
    app[MEDIA] = MediaState()

    async def fault_answer(request: web.Request, media_id: str) -> int | None:
        """Wait and/or fail as a queued fault says; the HTTP status to fail with, if any."""
        state = request.app[MEDIA]
        state.requests.append({"id": media_id, "path": request.path, "method": request.method})
        fault = state.next_fault(media_id)
        if fault is None:
            return None
        if fault.delay:
            await asyncio.sleep(fault.delay)
        return fault.status

    # ---------------------------------------------------------------- Graph API (Meta)
    async def graph_media_url(request: web.Request) -> web.Response:
        media_id = request.match_info["media_id"]
        if (status := await fault_answer(request, media_id)) is not None:
            return _graph_error(graph.error_for_code(2 if status >= 500 else 100, status))
        if _bearer(request) != config.access_token:
            return _graph_error(graph.invalid_token())
        item = request.app[MEDIA].item(media_id)
        if item is None:
            return _graph_error(_unknown_media(media_id))
        url = f"{_origin(request)}/_sandbox/media/download/{media_id}"
        return web.json_response(
            _metadata(item, f"{url}?{request.app[MEDIA].signed_query(media_id)}")
        )

    async def graph_download(request: web.Request) -> web.StreamResponse:
        media_id = request.match_info["media_id"]
        state = request.app[MEDIA]
        state.requests.append({"id": media_id, "path": request.path, "method": request.method})
        if _bearer(request) != config.access_token:
            return _graph_error(graph.invalid_token())
        item = state.item(media_id)
        if item is None or state.valid_signature(request.query) != media_id:
            return web.json_response({"error": "URL signature mismatch or expired"}, status=404)
        return await _binary(request, item)

    async def graph_upload(request: web.Request) -> web.Response:
        if _bearer(request) != config.access_token:
            return _graph_error(graph.invalid_token())
        if request.match_info["phone_number_id"] != config.phone_number_id:
            return _graph_error(graph.unknown_object(request.match_info["phone_number_id"]))
        try:
            item = await _read_upload(request)
        except graph.GraphError as exc:
            return _graph_error(exc)
        request.app[MEDIA].items[item.id] = item
        return web.json_response({"id": item.id})

    # ---------------------------------------------------------------- 360dialog
    async def d360_media_url(request: web.Request) -> web.Response:
        media_id = request.match_info["media_id"]
        if (status := await fault_answer(request, media_id)) is not None:
            return _graph_error(graph.error_for_code(2 if status >= 500 else 100, status))
        if request.headers.get(D360_KEY_HEADER) != config.d360_api_key:
            return _d360_invalid_key()
        item = request.app[MEDIA].item(media_id)
        if item is None:
            return _graph_error(_unknown_media(media_id))
        # Meta's own URL, as 360dialog passes it through: not reachable with the API key.
        url = f"{META_MEDIA_HOST}{ATTACHMENTS_PATH}?{request.app[MEDIA].signed_query(media_id)}"
        return web.json_response(_metadata(item, url))

    async def d360_download(request: web.Request) -> web.StreamResponse:
        state = request.app[MEDIA]
        media_id = request.query.get("mid", "")
        state.requests.append({"id": media_id, "path": request.path, "method": request.method})
        if request.headers.get(D360_KEY_HEADER) != config.d360_api_key:
            return _d360_invalid_key()
        item = state.item(media_id)
        if item is None or state.valid_signature(request.query) != media_id:
            return web.json_response({"error": "URL signature mismatch or expired"}, status=404)
        return await _binary(request, item)

    async def d360_upload(request: web.Request) -> web.Response:
        if request.headers.get(D360_KEY_HEADER) != config.d360_api_key:
            return _d360_invalid_key()
        try:
            item = await _read_upload(request)
        except graph.GraphError as exc:
            return _graph_error(exc)
        request.app[MEDIA].items[item.id] = item
        return web.json_response({"id": item.id})

    # ---------------------------------------------------------------- Twilio
    async def twilio_media(request: web.Request) -> web.Response:
        media_sid = request.match_info["media_sid"]
        if (status := await fault_answer(request, media_sid)) is not None:
            code = 20404 if status == 404 else 20500 if status >= 500 else 20003
            return _twilio_error(code, status, f"sandbox fault {status}")
        credentials = basic_credentials(request)
        if (
            credentials != (config.twilio_account_sid, config.twilio_auth_token)
            or request.match_info["account_sid"] != config.twilio_account_sid
        ):
            return _twilio_error(20003, 401, "Authenticate")
        state = request.app[MEDIA]
        if state.item(media_sid) is None:
            return _twilio_error(20404, 404, "The requested resource was not found")
        location = (
            f"{_origin(request)}/_sandbox/media/cdn/{media_sid}?{state.signed_query(media_sid)}"
        )
        raise web.HTTPTemporaryRedirect(location)

    async def twilio_cdn(request: web.Request) -> web.StreamResponse:
        media_id = request.match_info["media_id"]
        state = request.app[MEDIA]
        state.requests.append({"id": media_id, "path": request.path, "method": request.method})
        item = state.item(media_id)
        if item is None or state.valid_signature(request.query) != media_id:
            return web.Response(status=403, text="Request has expired")
        return await _binary(request, item)

    # ---------------------------------------------------------------- control
    async def put_media(request: web.Request) -> web.Response:
        media_id = request.query.get("id") or f"{secrets.randbelow(10**15):015d}"
        content = await _read_limited(request, PUT_LIMIT)
        item = MediaItem(
            media_id,
            content,
            request.content_type or "application/octet-stream",
            request.query.get("filename"),
            chunked=request.query.get("chunked") in ("1", "true"),
        )
        request.app[MEDIA].items[media_id] = item
        return web.json_response(item.describe())

    async def get_media(request: web.Request) -> web.Response:
        item = request.app[MEDIA].item(request.match_info["media_id"])
        if item is None:
            raise web.HTTPNotFound(text="no such media")
        return web.json_response(item.describe())

    async def add_fault(request: web.Request) -> web.Response:
        try:
            data = await request.json()
            media_id = str(data["id"])
            fault = MediaFault(
                status=int(data["status"]) if data.get("status") is not None else None,
                delay=float(data.get("delay", 0.0)),
                times=int(data.get("times", 1)),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise web.HTTPBadRequest(
                text=f'a fault needs "id" (and status/delay/times): {exc}'
            ) from exc
        request.app[MEDIA].faults.setdefault(media_id, deque()).append(fault)
        return web.json_response({"queued": {"id": media_id, **fault.__dict__}})

    async def list_requests(request: web.Request) -> web.Response:
        requests = request.app[MEDIA].requests
        if media_id := request.query.get("id"):
            requests = [r for r in requests if r["id"] == media_id]
        return web.json_response(requests)

    async def clear(request: web.Request) -> web.Response:
        state = request.app[MEDIA]
        state.items.clear()
        state.faults.clear()
        state.requests.clear()
        return web.json_response({"cleared": True})

    router = app.router
    router.add_post("/_sandbox/media", put_media)
    router.add_delete("/_sandbox/media", clear)
    router.add_post("/_sandbox/media/faults", add_fault)
    router.add_get("/_sandbox/media/requests", list_requests)
    router.add_get("/_sandbox/media/download/{media_id}", graph_download)
    router.add_get("/_sandbox/media/cdn/{media_id}", twilio_cdn)
    router.add_get("/_sandbox/media/{media_id}", get_media)
    router.add_get(r"/{version:v\d+\.\d+}/{media_id}", graph_media_url)
    router.add_post(r"/{version:v\d+\.\d+}/{phone_number_id}/media", graph_upload)
    router.add_get(ATTACHMENTS_PATH, d360_download)
    router.add_post("/media", d360_upload)
    router.add_get(
        f"/{TWILIO_VERSION}/Accounts/{{account_sid}}/Messages/{{message_sid}}/Media/{{media_sid}}",
        twilio_media,
    )
    # 360dialog's media lookup sits at its API root; more specific paths (``/healthz``,
    # ``/_sandbox/…``) are matched first by aiohttp's prefix index, ids never start with "_".
    router.add_get(r"/{media_id:[A-Za-z0-9][A-Za-z0-9._-]*}", d360_media_url)


def _d360_invalid_key() -> web.Response:
    body = {"meta": {"success": False, "http_code": 401, "developer_message": "Invalid api key"}}
    return web.json_response(body, status=401)


async def _read_limited(request: web.Request, limit: int) -> bytes:
    chunks, size = [], 0
    async for chunk in request.content.iter_chunked(64 * 1024):
        size += len(chunk)
        if size > limit:
            raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=size)
        chunks.append(chunk)
    return b"".join(chunks)


async def _read_upload(request: web.Request) -> MediaItem:
    """A Cloud API media upload: multipart with ``messaging_product=whatsapp``, ``file`` (with
    its content type) and optionally ``type``; Graph-style errors otherwise."""
    if not request.content_type.startswith("multipart/"):
        raise graph.invalid_parameter("The request must be multipart/form-data.")
    fields: dict[str, str] = {}
    content: bytes | None = None
    file_type: str | None = None
    filename: str | None = None
    reader = await request.multipart()
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader):
            continue
        if part.name == "file":
            content = await part.read(decode=False)
            file_type = part.headers.get("Content-Type")
            filename = part.filename
        elif part.name:
            fields[part.name] = await part.text()
    if fields.get("messaging_product") != "whatsapp":
        raise graph.invalid_parameter("The parameter messaging_product is required.")
    if content is None:
        raise graph.invalid_parameter("The parameter file is required.")
    mime_type = fields.get("type") or file_type
    if not mime_type:
        raise graph.invalid_parameter("The parameter type is required.")
    media_id = f"{secrets.randbelow(10**16):016d}"  # Meta's media ids are digits
    return MediaItem(media_id, bytes(content), mime_type, filename)
