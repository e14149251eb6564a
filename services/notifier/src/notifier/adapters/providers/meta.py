"""Meta WhatsApp Cloud API: POST {base}/{version}/{phone-number-id}/messages.

Any server speaking the Graph API works as ``base_url`` (the sandbox does). Error codes
are Meta's (developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes): they
decide whether a failed send is retried, dropped or halts the channel.
"""

from __future__ import annotations

from typing import Any

import aiohttp
from waops_observability import current_traceparent

from notifier.adapters.providers.base import Action, ProviderError, SendResult

# Retrying cannot help these messages, but the channel is fine.
_DROP = {
    100,  # invalid parameter
    131008,  # required parameter missing
    131009,  # parameter value invalid
    131021,  # recipient is the sender
    131026,  # message undeliverable
    131047,  # re-engagement: outside the 24-hour window
    131051,  # unsupported message type
    132000,  # template parameter count mismatch
    132001,  # template does not exist
}
# The channel is unusable until someone acts: token, permissions, account state.
_HALT = {0, 10, 190, 200, 368, 131031, 133010}


def classify(code: int | None, http_status: int) -> Action:
    if code in _HALT:
        return "halt"
    if code in _DROP:
        return "drop"
    if http_status in (401, 403):
        return "halt"
    if http_status >= 500 or http_status == 429 or code is None:
        return "retry"
    # Rate limits (4, 80007, 130429, 131048, 131056), 131000 "something went wrong", 131016
    # service unavailable, and any code we do not know yet: later may work.
    return "retry"


def _digits(phone: str) -> str:
    return "".join(ch for ch in phone if ch.isdigit())


class MetaCloudProvider:
    def __init__(
        self,
        *,
        base_url: str,
        version: str,
        phone_number_id: str,
        access_token: str,
        session: aiohttp.ClientSession,
        timeout: float,
    ) -> None:
        self._url = f"{base_url.rstrip('/')}/{version}/{phone_number_id}/messages"
        self._token = access_token
        self._session = session
        self._timeout = aiohttp.ClientTimeout(total=timeout)

    async def send_text(self, to_phone: str, body: str) -> SendResult:
        payload = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": _digits(to_phone),
            "type": "text",
            "text": {"preview_url": False, "body": body},
        }
        return await self._post(payload)

    async def _post(self, payload: dict[str, Any]) -> SendResult:
        headers = {"Authorization": f"Bearer {self._token}"}
        if traceparent := current_traceparent():
            headers["traceparent"] = traceparent
        try:
            async with self._session.post(
                self._url, json=payload, headers=headers, timeout=self._timeout
            ) as resp:
                data = await resp.json(content_type=None)
                status = resp.status
        except (TimeoutError, aiohttp.ClientError, ValueError) as exc:
            raise ProviderError(None, f"transport: {exc!r}", "retry") from exc
        if status < 300 and isinstance(data, dict) and data.get("messages"):
            return SendResult(provider_message_id=str(data["messages"][0]["id"]))
        error = data.get("error", {}) if isinstance(data, dict) else {}
        code = error.get("code")
        code = int(code) if isinstance(code, int | str) and str(code).isdigit() else None
        title = str(error.get("message") or error.get("error_user_msg") or f"HTTP {status}")
        raise ProviderError(code, title, classify(code, status), http_status=status)
