"""The provider seam: what the notifier needs from any WhatsApp provider, and how failures
are told apart.

A failed send leads to one of three actions, decided here once for every provider:
- ``retry``: transient (5xx, timeouts, connection errors, rate limits) — try again later;
- ``drop``: this message can never succeed as is (outside the 24-hour window, bad number,
  bad parameter, template errors) — record the failure, do not retry;
- ``halt``: the channel itself is broken (expired token, policy block, permissions) — every
  further send would fail too: record the failure and alert a human (logged critical).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

Action = Literal["retry", "drop", "halt"]

# Meta (Graph API / Cloud API) error codes, from the Cloud API error-code reference.
HALT_CODES = frozenset(
    {
        0,  # AuthException
        3,  # API method: capability or permission issue
        10,  # permission denied
        190,  # access token expired or invalid
        368,  # temporarily blocked for policy violations
        131031,  # business account locked
    }
)
HALT_RANGES = ((200, 299),)  # API permission errors
RETRY_CODES = frozenset(
    {
        1,  # unknown error (possibly server side)
        2,  # service temporarily unavailable
        4,  # application request limit reached
        80007,  # WABA rate limit
        130429,  # Cloud API throughput reached
        131000,  # something went wrong
        131016,  # service unavailable
        131056,  # (business, consumer) pair rate limit
        133004,  # server temporarily unavailable
    }
)
DROP_CODES = frozenset(
    {
        100,  # invalid parameter
        131008,  # required parameter missing
        131009,  # parameter value invalid
        131021,  # recipient cannot be sender
        131026,  # message undeliverable
        131047,  # re-engagement: more than 24 hours since the customer last wrote
        131051,  # unsupported message type
    }
)
DROP_RANGES = ((132000, 132999),)  # template errors


def classify(code: int | None, http_status: int | None) -> Action:
    """Decide the action for an error: by Meta's ``code`` first (Meta advises building on
    codes, not HTTP statuses), then by HTTP status; no status at all means the request
    never got an answer (timeout, connection error), which is transient."""
    if code is not None:
        if code in HALT_CODES or any(lo <= code <= hi for lo, hi in HALT_RANGES):
            return "halt"
        if code in RETRY_CODES:
            return "retry"
        if code in DROP_CODES or any(lo <= code <= hi for lo, hi in DROP_RANGES):
            return "drop"
    if http_status is None or http_status >= 500 or http_status in (408, 429):
        return "retry"
    if http_status == 401:
        return "halt"
    return "drop"


class ProviderError(Exception):
    """A send that failed; ``action`` says what the dispatcher must do about it.

    ``ProviderError.of(...)`` (or the base class itself) classifies by code and status;
    the subclasses pin the action and let callers catch one kind only.
    """

    fixed_action: Action | None = None

    def __init__(
        self,
        code: int | None,
        title: str,
        *,
        http_status: int | None = None,
        action: Action | None = None,
        details: str | None = None,
        trace_id: str | None = None,
    ) -> None:
        super().__init__(f"{title} (code {code})" if code is not None else title)
        self.code = code
        self.title = title
        self.http_status = http_status
        self.action: Action = action or self.fixed_action or classify(code, http_status)
        self.details = details
        self.trace_id = trace_id  # the provider's request id (Meta's fbtrace_id)

    @staticmethod
    def of(
        code: int | None,
        title: str,
        *,
        http_status: int | None = None,
        details: str | None = None,
        trace_id: str | None = None,
    ) -> ProviderError:
        """The error of the subclass matching ``code`` / ``http_status``."""
        cls = _BY_ACTION[classify(code, http_status)]
        return cls(code, title, http_status=http_status, details=details, trace_id=trace_id)


class TransientProviderError(ProviderError):
    fixed_action: Action | None = "retry"


class PermanentProviderError(ProviderError):
    fixed_action: Action | None = "drop"


class FatalProviderError(ProviderError):
    fixed_action: Action | None = "halt"


_BY_ACTION: dict[Action, type[ProviderError]] = {
    "retry": TransientProviderError,
    "drop": PermanentProviderError,
    "halt": FatalProviderError,
}


@dataclass(frozen=True)
class SendResult:
    provider_message_id: str


@runtime_checkable
class WhatsAppProvider(Protocol):
    async def send_text(self, to_phone: str, body: str) -> SendResult:
        """Send a free-form text; raise ``ProviderError`` when it was not accepted."""
        ...
