"""A small circuit breaker: stop calling a failing dependency for a while, then probe it.

closed    -> calls go through; ``failure_threshold`` consecutive failures open it.
open      -> calls fail fast (``CircuitOpenError``) until ``cooldown`` seconds have passed.
half-open -> one trial call goes through (others still fail fast); its success closes the
             circuit, its failure opens it again for another cool-down.

Only exceptions of ``failure_types`` count as failures. Anything else raised inside
``guard()`` (a cancellation, a programming error) is no verdict on the dependency: it
only frees the half-open trial slot.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from enum import StrEnum


class State(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitOpenError(RuntimeError):
    pass


class CircuitBreaker:
    def __init__(
        self,
        *,
        name: str,
        failure_threshold: int,
        cooldown: float,
        failure_types: tuple[type[BaseException], ...] = (Exception,),
        clock: Callable[[], float] = time.monotonic,
        on_state_change: Callable[[State], None] | None = None,
    ) -> None:
        if failure_threshold < 1:
            raise ValueError("failure_threshold must be at least 1")
        self.name = name
        self._threshold = failure_threshold
        self._cooldown = cooldown
        self._failure_types = failure_types
        self._clock = clock
        self._on_state_change = on_state_change
        self._state = State.CLOSED
        self._failures = 0
        self._opened_at = 0.0
        self._trial_running = False

    @property
    def state(self) -> State:
        """The state as a caller would see it now (open turns half-open after the cool-down)."""
        if self._state is State.OPEN and self._cooled_down():
            return State.HALF_OPEN
        return self._state

    @property
    def consecutive_failures(self) -> int:
        return self._failures

    @contextlib.contextmanager
    def guard(self) -> Iterator[None]:
        """Wrap one call: raises ``CircuitOpenError`` instead of running it while open."""
        self._admit()
        try:
            yield
        except self._failure_types:
            self._record_failure()
            raise
        except BaseException:
            self._trial_running = False
            raise
        self._record_success()

    def _cooled_down(self) -> bool:
        return self._clock() - self._opened_at >= self._cooldown

    def _admit(self) -> None:
        if self._state is State.OPEN:
            if not self._cooled_down():
                left = self._cooldown - (self._clock() - self._opened_at)
                raise CircuitOpenError(f"{self.name}: circuit open, next trial in {left:.1f}s")
            self._set(State.HALF_OPEN)
        if self._state is State.HALF_OPEN:
            if self._trial_running:
                raise CircuitOpenError(f"{self.name}: circuit half-open, a trial call is running")
            self._trial_running = True

    def _record_success(self) -> None:
        self._failures = 0
        self._trial_running = False
        self._set(State.CLOSED)

    def _record_failure(self) -> None:
        self._failures += 1
        self._trial_running = False
        if self._state is State.HALF_OPEN or (
            self._state is State.CLOSED and self._failures >= self._threshold
        ):
            self._opened_at = self._clock()
            self._set(State.OPEN)

    def _set(self, state: State) -> None:
        if state is not self._state:
            self._state = state
            if self._on_state_change is not None:
                self._on_state_change(state)
