"""Circuit breakers: stop calling a failing dependency for a while, then probe it.

closed    -> calls go through; ``failures`` consecutive failures open the circuit.
open      -> calls are refused until ``cooldown`` seconds have passed.
half-open -> one probe goes through (others are still refused); its success closes the
             circuit, its failure opens it again for another cool-down.

``CircuitBreakers`` keeps one circuit per key (a provider channel, a dependency) under one
name and configuration; the caller reports each call's verdict (``admit``, ``success``,
``failure``, ``release_probe``). ``CircuitBreaker`` is one circuit whose ``guard()`` wraps
a call and reads the verdict from what it raises.

The state lives in this process (docs/adr/0025): each replica learns for itself that a
dependency is down. Every change is published as ``waops_circuit_state{breaker, key}``
(0 closed, 1 half-open, 2 open) and passed to ``on_change``.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum

from waops_observability.metrics import CIRCUIT_STATE


class State(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


STATE_VALUES = {State.CLOSED: 0, State.HALF_OPEN: 1, State.OPEN: 2}


class CircuitOpenError(RuntimeError):
    """Raised by ``CircuitBreaker.guard()`` instead of making a call the circuit refuses."""


@dataclass
class _Circuit:
    state: State = State.CLOSED
    failures: int = 0
    opened_at: float = 0.0
    probing: bool = False


class CircuitBreakers:
    """One circuit per key, all with the same threshold and cool-down."""

    def __init__(
        self,
        *,
        name: str,
        failures: int,
        cooldown: float,
        clock: Callable[[], float] = time.monotonic,
        on_change: Callable[[str, State], None] | None = None,
    ) -> None:
        if failures < 1:
            raise ValueError("failures must be at least 1")
        self.name = name
        self._threshold = failures
        self._cooldown = cooldown
        self._clock = clock
        self._on_change = on_change
        self._circuits: dict[str, _Circuit] = {}

    def state(self, key: str) -> State:
        """The state as a caller would see it now (open turns half-open after the cool-down)."""
        circuit = self._circuits.get(key)
        if circuit is None:
            return State.CLOSED
        if circuit.state is State.OPEN and self._cooled(circuit):
            return State.HALF_OPEN
        return circuit.state

    def consecutive_failures(self, key: str) -> int:
        circuit = self._circuits.get(key)
        return 0 if circuit is None else circuit.failures

    def paused(self) -> list[str]:
        """The keys whose calls are refused now (open, not yet cooled down)."""
        return [
            k for k, c in self._circuits.items() if c.state is State.OPEN and not self._cooled(c)
        ]

    def reopens_in(self, key: str) -> float:
        """Seconds until an open circuit lets a probe through (0 when it is not open)."""
        circuit = self._circuits.get(key)
        if circuit is None or circuit.state is not State.OPEN:
            return 0.0
        return max(0.0, self._cooldown - (self._clock() - circuit.opened_at))

    def admit(self, key: str) -> bool:
        """May a call on ``key`` go out now? (Half-open: only the one probe.)"""
        circuit = self._circuit(key)
        if circuit.state is State.OPEN:
            if not self._cooled(circuit):
                return False
            self._set(key, circuit, State.HALF_OPEN)
        if circuit.state is State.HALF_OPEN:
            if circuit.probing:
                return False
            circuit.probing = True
        return True

    def success(self, key: str) -> None:
        circuit = self._circuit(key)
        circuit.failures = 0
        circuit.probing = False
        self._set(key, circuit, State.CLOSED)

    def failure(self, key: str) -> None:
        circuit = self._circuit(key)
        circuit.failures += 1
        circuit.probing = False
        if circuit.state is State.HALF_OPEN or (
            circuit.state is State.CLOSED and circuit.failures >= self._threshold
        ):
            circuit.opened_at = self._clock()
            self._set(key, circuit, State.OPEN)

    def release_probe(self, key: str) -> None:
        """The call ended with no verdict on the dependency (a cancellation, a halted
        channel): free the half-open probe slot without changing the state."""
        if (circuit := self._circuits.get(key)) is not None:
            circuit.probing = False

    def _circuit(self, key: str) -> _Circuit:
        circuit = self._circuits.get(key)
        if circuit is None:
            circuit = self._circuits[key] = _Circuit()
            CIRCUIT_STATE.labels(self.name, key).set(STATE_VALUES[State.CLOSED])
        return circuit

    def _cooled(self, circuit: _Circuit) -> bool:
        return self._clock() - circuit.opened_at >= self._cooldown

    def _set(self, key: str, circuit: _Circuit, state: State) -> None:
        if circuit.state is not state:
            circuit.state = state
            CIRCUIT_STATE.labels(self.name, key).set(STATE_VALUES[state])
            if self._on_change is not None:
                self._on_change(key, state)


class CircuitBreaker:
    """One circuit around one dependency; ``guard()`` wraps each call.

    Only exceptions of ``failure_types`` count as failures. Anything else raised inside
    ``guard()`` (a cancellation, a programming error) is no verdict on the dependency: it
    only frees the half-open probe slot.
    """

    def __init__(
        self,
        *,
        name: str,
        failures: int,
        cooldown: float,
        failure_types: tuple[type[BaseException], ...] = (Exception,),
        clock: Callable[[], float] = time.monotonic,
        on_change: Callable[[State], None] | None = None,
    ) -> None:
        self.name = name
        self._failure_types = failure_types
        self._circuits = CircuitBreakers(
            name=name,
            failures=failures,
            cooldown=cooldown,
            clock=clock,
            on_change=None if on_change is None else (lambda _key, state: on_change(state)),
        )
        CIRCUIT_STATE.labels(name, name).set(STATE_VALUES[State.CLOSED])

    @property
    def state(self) -> State:
        """The state as a caller would see it now (open turns half-open after the cool-down)."""
        return self._circuits.state(self.name)

    @property
    def consecutive_failures(self) -> int:
        return self._circuits.consecutive_failures(self.name)

    @contextlib.contextmanager
    def guard(self) -> Iterator[None]:
        """Wrap one call: raises ``CircuitOpenError`` instead of running it while open."""
        if not self._circuits.admit(self.name):
            left = self._circuits.reopens_in(self.name)
            if left > 0:
                raise CircuitOpenError(f"{self.name}: circuit open, next trial in {left:.1f}s")
            raise CircuitOpenError(f"{self.name}: circuit half-open, a trial call is running")
        try:
            yield
        except self._failure_types:
            self._circuits.failure(self.name)
            raise
        except BaseException:
            self._circuits.release_probe(self.name)
            raise
        self._circuits.success(self.name)
