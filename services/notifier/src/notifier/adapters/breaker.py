"""A circuit breaker per channel: stop hammering a provider that is down, let messages wait.

The mechanism is the shared one (``waops_service_kit.circuit_breaker``); this names it for
the notifier. While a channel's circuit is open its messages are not claimed (they wait,
their attempts untouched); half-open, one probe send goes through. Only retryable failures
(5xx, timeouts, rate limits) count; a ``drop`` proves the provider answers, so the
dispatcher reports it as a success. The state lives in this process (docs/adr/0025): each
replica learns for itself that a provider is down, which costs at most ``failures`` sends
per replica.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from waops_service_kit.circuit_breaker import CircuitBreakers, State

__all__ = ["ChannelBreakers", "State"]


class ChannelBreakers(CircuitBreakers):
    """The circuits of the provider channels, keyed by channel id (``breaker="channel"``)."""

    def __init__(
        self,
        *,
        failures: int,
        cooldown: float,
        clock: Callable[[], float] = time.monotonic,
        on_change: Callable[[str, State], None] | None = None,
    ) -> None:
        super().__init__(
            name="channel", failures=failures, cooldown=cooldown, clock=clock, on_change=on_change
        )
