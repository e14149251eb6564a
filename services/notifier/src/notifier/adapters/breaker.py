"""A circuit breaker per channel: stop hammering a provider that is down, let messages wait.

closed    -> sends go through; ``failures`` consecutive retryable failures open it.
open      -> the channel's messages are not claimed (they wait, their attempts untouched)
             until ``cooldown`` seconds have passed.
half-open -> one probe send goes through; others are deferred. Its success closes the
             circuit, its failure opens it again for another cool-down.
Only retryable failures (5xx, timeouts, rate limits) count; a ``drop`` proves the provider
answers, so it counts as a success. The state lives in this process: each replica learns
for itself that a provider is down, which costs at most ``failures`` sends per replica.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum


class State(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


@dataclass
class _Circuit:
    state: State = State.CLOSED
    failures: int = 0
    opened_at: float = 0.0
    probing: bool = False


class ChannelBreakers:
    def __init__(
        self,
        *,
        failures: int,
        cooldown: float,
        clock: Callable[[], float] = time.monotonic,
        on_change: Callable[[str, State], None] | None = None,
    ) -> None:
        if failures < 1:
            raise ValueError("failures must be at least 1")
        self._threshold = failures
        self._cooldown = cooldown
        self._clock = clock
        self._on_change = on_change
        self._circuits: dict[str, _Circuit] = {}

    def state(self, channel: str) -> State:
        circuit = self._circuits.get(channel)
        if circuit is None:
            return State.CLOSED
        if circuit.state is State.OPEN and self._cooled(circuit):
            return State.HALF_OPEN
        return circuit.state

    def paused(self) -> list[str]:
        """Channels whose messages must not be claimed now (open, not yet cooled down)."""
        return [
            ch for ch, c in self._circuits.items() if c.state is State.OPEN and not self._cooled(c)
        ]

    def reopens_in(self, channel: str) -> float:
        circuit = self._circuits.get(channel)
        if circuit is None or circuit.state is not State.OPEN:
            return 0.0
        return max(0.0, self._cooldown - (self._clock() - circuit.opened_at))

    def admit(self, channel: str) -> bool:
        """May a send on ``channel`` go out now? (Half-open: only the one probe.)"""
        circuit = self._circuits.setdefault(channel, _Circuit())
        if circuit.state is State.OPEN:
            if not self._cooled(circuit):
                return False
            self._set(channel, circuit, State.HALF_OPEN)
        if circuit.state is State.HALF_OPEN:
            if circuit.probing:
                return False
            circuit.probing = True
        return True

    def success(self, channel: str) -> None:
        circuit = self._circuits.setdefault(channel, _Circuit())
        circuit.failures = 0
        circuit.probing = False
        self._set(channel, circuit, State.CLOSED)

    def failure(self, channel: str) -> None:
        circuit = self._circuits.setdefault(channel, _Circuit())
        circuit.failures += 1
        circuit.probing = False
        if circuit.state is State.HALF_OPEN or (
            circuit.state is State.CLOSED and circuit.failures >= self._threshold
        ):
            circuit.opened_at = self._clock()
            self._set(channel, circuit, State.OPEN)

    def release_probe(self, channel: str) -> None:
        """The probe ended without a verdict on the provider (e.g. the channel halted)."""
        if (circuit := self._circuits.get(channel)) is not None:
            circuit.probing = False

    def _cooled(self, circuit: _Circuit) -> bool:
        return self._clock() - circuit.opened_at >= self._cooldown

    def _set(self, channel: str, circuit: _Circuit, state: State) -> None:
        if circuit.state is not state:
            circuit.state = state
            if self._on_change is not None:
                self._on_change(channel, state)
