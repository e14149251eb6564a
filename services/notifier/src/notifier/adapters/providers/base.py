"""The provider seam: what the notifier needs from any WhatsApp provider."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

# What the dispatcher does with a failure: try again later, give this message up, or give
# up and alert (the channel itself is broken: bad token, blocked account).
Action = Literal["retry", "drop", "halt"]


@dataclass(frozen=True)
class SendResult:
    provider_message_id: str


class ProviderError(Exception):
    def __init__(
        self, code: int | None, title: str, action: Action, http_status: int | None = None
    ) -> None:
        super().__init__(f"{code}: {title}" if code is not None else title)
        self.code = code
        self.title = title
        self.action: Action = action
        self.http_status = http_status


class WhatsAppProvider(Protocol):
    async def send_text(self, to_phone: str, body: str) -> SendResult: ...
