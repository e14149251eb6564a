"""One HTTP exchange with a provider: timeouts and connection errors become transient
``ProviderError``s; the W3C ``traceparent`` of the current span (the dispatcher's, one per
send) goes out with every request so a send can be followed across the provider hop."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import aiohttp
from waops_observability import current_traceparent

from notifier.adapters.providers.base import TransientProviderError


@dataclass(frozen=True)
class Answer:
    status: int
    text: str
    body: Any  # the parsed JSON, or None
    raw: bytes = b""
    content_type: str | None = None

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


async def exchange(
    session: aiohttp.ClientSession,
    method: str,
    url: str,
    *,
    timeout: float,
    headers: dict[str, str] | None = None,
    binary: bool = False,
    **kwargs: Any,
) -> Answer:
    headers = dict(headers or {})
    if (traceparent := current_traceparent()) is not None:
        headers["traceparent"] = traceparent
    try:
        async with session.request(
            method, url, headers=headers, timeout=aiohttp.ClientTimeout(total=timeout), **kwargs
        ) as resp:
            raw = await resp.read()
            status, content_type = resp.status, resp.content_type
    except TimeoutError as exc:
        raise TransientProviderError(None, f"timed out after {timeout}s") from exc
    except aiohttp.ClientError as exc:
        raise TransientProviderError(None, f"connection failed: {exc!r}") from exc
    if binary and 200 <= status < 300:
        return Answer(status, "", None, raw, content_type)
    text = raw.decode("utf-8", errors="replace")
    try:
        body = json.loads(text)
    except ValueError:
        body = None
    return Answer(status, text, body, raw, content_type)
