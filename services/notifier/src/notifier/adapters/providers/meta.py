"""Meta WhatsApp Cloud API provider: ``POST {base}/{version}/{phone_number_id}/messages``.

The base URL is configurable so the same client talks to graph.facebook.com, to the
waops sandbox or to any server speaking the Graph API. Errors are mapped from the Graph
error body (``{"error": {"code", "message", "error_data", "fbtrace_id"}}``) to
``ProviderError`` by code, as Meta recommends. The W3C ``traceparent`` of the current span
(the dispatcher's, one per send) goes out with each request so a send can be followed across
the provider hop; the provider opens no span of its own.
"""

from __future__ import annotations

import json
from typing import Any

import aiohttp
from waops_observability import current_traceparent

from notifier.adapters.providers.base import (
    PermanentProviderError,
    ProviderError,
    SendResult,
    TransientProviderError,
)


def _digits(phone: str) -> str:
    return "".join(ch for ch in phone if ch.isdigit())


class MetaCloudProvider:
    def __init__(
        self,
        base_url: str,
        version: str,
        phone_number_id: str,
        access_token: str,
        session: aiohttp.ClientSession,
        timeout: float = 10.0,
    ) -> None:
        self._url = f"{base_url.rstrip('/')}/{version}/{phone_number_id}/messages"
        self._token = access_token
        self._session = session
        self._timeout = timeout

    async def send_text(self, to_phone: str, body: str) -> SendResult:
        to = _digits(to_phone)
        if not to:
            raise PermanentProviderError(None, f"recipient {to_phone!r} has no digits")
        payload = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": to,
            "type": "text",
            "text": {"preview_url": False, "body": body},
        }
        answer = await self._post(payload)
        try:
            return SendResult(provider_message_id=str(answer["messages"][0]["id"]))
        except (KeyError, IndexError, TypeError) as exc:
            # Accepted but unreadable: retrying may duplicate, dropping may lose; the
            # dispatcher's contract is at-least-once, so retry.
            raise TransientProviderError(
                None, "Cloud API accepted the send without a message id", http_status=200
            ) from exc

    async def _post(self, payload: dict[str, Any]) -> Any:
        headers = {"Authorization": f"Bearer {self._token}", "Content-Type": "application/json"}
        if (traceparent := current_traceparent()) is not None:
            headers["traceparent"] = traceparent
        try:
            async with self._session.post(
                self._url,
                data=json.dumps(payload),
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=self._timeout),
            ) as resp:
                status, text = resp.status, await resp.text()
        except TimeoutError as exc:
            raise TransientProviderError(None, f"timed out after {self._timeout}s") from exc
        except aiohttp.ClientError as exc:
            raise TransientProviderError(None, f"connection failed: {exc!r}") from exc
        try:
            answer = json.loads(text)
        except ValueError:
            answer = None
        if 200 <= status < 300:
            return answer
        raise _error(status, answer, text)


def _error(status: int, answer: Any, text: str) -> ProviderError:
    body = answer.get("error") if isinstance(answer, dict) else None
    if not isinstance(body, dict):
        return ProviderError.of(None, f"HTTP {status}: {text[:200]}", http_status=status)
    code = body.get("code")
    data = body.get("error_data")
    return ProviderError.of(
        code if isinstance(code, int) else None,
        str(body.get("message") or f"HTTP {status}"),
        http_status=status,
        details=data.get("details") if isinstance(data, dict) else None,
        trace_id=body.get("fbtrace_id"),
    )
