"""Getting a media item's bytes from its provider, as each one documents it.

- Cloud API (and the sandbox): ``GET {graph}/{version}/{media_id}`` with the bearer token
  answers ``{"url", "mime_type", "sha256", "file_size", "id", "messaging_product"}``; the
  ``url`` (valid for minutes) is then fetched with the same bearer.
- 360dialog: ``GET {api}/{media_id}`` with ``D360-API-KEY`` answers the same JSON; its ``url``
  is on Meta's host, and 360dialog's documented download is the same path and query on the
  360dialog host, with the key.
- Twilio: the webhook's ``MediaUrlN`` with basic auth (account sid, auth token); Twilio
  redirects to a short-lived URL (aiohttp drops the credentials on a cross-host redirect).

``open_download`` yields a ``Download`` whose body is read by the caller, chunk by chunk.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import aiohttp
from yarl import URL

from webhook_adapter.adapters.media.credentials import MediaCredentials
from webhook_adapter.adapters.media.repository import PendingMedia
from webhook_adapter.domain.media import MediaUnavailable, TransientFetchError, judge_status

GRAPH_PROVIDERS = frozenset({"meta", "sandbox"})  # both speak the Graph API
TWILIO_MEDIA_PATH = "/2010-04-01/Accounts/{sid}/"


@dataclass(frozen=True)
class Download:
    mime_type: str | None
    sha256: str | None  # as the provider declared it, if it does
    declared_size: int | None  # the provider's metadata
    length: int | None  # the download's Content-Length
    body: aiohttp.StreamReader


# Called with what the provider says of the media (type, size) before its bytes are asked
# for, so media that breaks a limit is refused without downloading it.
Precheck = Callable[[str | None, int | None], None]


@contextlib.asynccontextmanager
async def open_download(
    session: aiohttp.ClientSession,
    item: PendingMedia,
    credentials: MediaCredentials,
    precheck: Precheck,
) -> AsyncIterator[Download]:
    if item.provider in GRAPH_PROVIDERS:
        auth = {"Authorization": f"Bearer {credentials.meta_access_token}"}
        lookup = f"{credentials.graph_url}/{credentials.graph_version}/{_media_id(item)}"
        meta = await _lookup(session, lookup, auth)
        precheck(_mime(meta) or item.declared_mime_type, _size(meta))
        async with _get(session, meta["url"], auth) as resp:
            yield _download(resp, meta)
    elif item.provider == "360dialog":
        auth = {"D360-API-KEY": credentials.d360_api_key}
        meta = await _lookup(session, f"{credentials.d360_api_url}/{_media_id(item)}", auth)
        precheck(_mime(meta) or item.declared_mime_type, _size(meta))
        url = credentials.d360_api_url + URL(meta["url"]).raw_path_qs
        async with _get(session, url, auth) as resp:
            yield _download(resp, meta)
    elif item.provider == "twilio":
        url = _twilio_url(item, credentials)
        precheck(item.declared_mime_type, None)  # MediaContentTypeN of the webhook
        basic = aiohttp.encode_basic_auth(
            credentials.twilio_account_sid, credentials.twilio_auth_token
        )
        async with _get(session, url, {"Authorization": basic}, twilio=True) as resp:
            content_type = resp.headers.get("Content-Type") or item.declared_mime_type
            yield Download(content_type, None, None, resp.content_length, resp.content)
    else:
        raise MediaUnavailable(f"no media source for provider {item.provider!r}")


def _media_id(item: PendingMedia) -> str:
    if not item.provider_media_id:
        raise MediaUnavailable("no provider media id to look up")
    return quote(item.provider_media_id, safe="")


def _twilio_url(item: PendingMedia, credentials: MediaCredentials) -> str:
    """Twilio's basic-auth credentials go only to that account's own media URLs."""
    if not item.source_url:
        raise MediaUnavailable("no MediaUrl to fetch")
    url = URL(item.source_url)
    expected = TWILIO_MEDIA_PATH.format(sid=credentials.twilio_account_sid)
    if url.scheme not in ("http", "https") or not url.path.startswith(expected):
        raise MediaUnavailable("MediaUrl is not a media URL of the configured Twilio account")
    return item.source_url


async def _lookup(
    session: aiohttp.ClientSession, url: str, headers: dict[str, str]
) -> dict[str, Any]:
    async with _get(session, url, headers) as resp:
        try:
            meta = await resp.json(content_type=None)
        except ValueError as exc:
            raise TransientFetchError(f"media lookup answered no JSON: {exc}") from None
    if not isinstance(meta, dict) or not isinstance(meta.get("url"), str):
        raise MediaUnavailable("media lookup answered without a url")
    return meta


@contextlib.asynccontextmanager
async def _get(
    session: aiohttp.ClientSession, url: str, headers: dict[str, str], *, twilio: bool = False
) -> AsyncIterator[aiohttp.ClientResponse]:
    async with session.get(url, headers=headers, allow_redirects=True) as resp:
        verdict = judge_status(resp.status, not_found_is_transient=twilio)
        if verdict is not None:
            detail = (await resp.content.read(300)).decode("utf-8", "replace")
            raise verdict(
                f"{resp.method} {URL(url).with_query(None)} answered {resp.status}: {detail}"
            )
        yield resp


def _mime(meta: dict[str, Any]) -> str | None:
    mime = meta.get("mime_type")
    return mime if isinstance(mime, str) and mime else None


def _size(meta: dict[str, Any]) -> int | None:
    """Meta sends ``file_size`` as a number or a numeric string."""
    try:
        return int(meta["file_size"]) if meta.get("file_size") is not None else None
    except (TypeError, ValueError):
        return None


def _download(resp: aiohttp.ClientResponse, meta: dict[str, Any]) -> Download:
    mime, size = _mime(meta), _size(meta)
    sha = meta.get("sha256") if isinstance(meta.get("sha256"), str) else None
    return Download(
        mime or resp.headers.get("Content-Type"), sha, size, resp.content_length, resp.content
    )
