"""The circuit breaker's states, on a clock the test moves."""

from __future__ import annotations

import pytest
from orchestrator.adapters.circuit_breaker import CircuitBreaker, CircuitOpenError, State


class Down(Exception):
    pass


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make(clock: Clock, changes: list[State] | None = None) -> CircuitBreaker:
    return CircuitBreaker(
        name="core",
        failure_threshold=3,
        cooldown=10.0,
        failure_types=(Down,),
        clock=clock,
        on_state_change=changes.append if changes is not None else None,
    )


def fail(breaker: CircuitBreaker) -> None:
    with pytest.raises(Down), breaker.guard():
        raise Down


def succeed(breaker: CircuitBreaker) -> None:
    with breaker.guard():
        pass


def test_opens_after_consecutive_failures_and_fails_fast() -> None:
    clock, changes = Clock(), []
    breaker = make(clock, changes)
    fail(breaker)
    fail(breaker)
    assert breaker.state is State.CLOSED
    fail(breaker)
    assert breaker.state is State.OPEN
    ran = False
    with pytest.raises(CircuitOpenError, match=r"next trial in 10\.0s"), breaker.guard():
        ran = True
    assert not ran
    assert changes == [State.OPEN]


def test_a_success_resets_the_count() -> None:
    breaker = make(Clock())
    fail(breaker)
    fail(breaker)
    succeed(breaker)
    fail(breaker)
    fail(breaker)
    assert breaker.state is State.CLOSED
    assert breaker.consecutive_failures == 2


def test_other_errors_are_not_failures() -> None:
    breaker = make(Clock())
    for _ in range(5):
        with pytest.raises(ValueError), breaker.guard():
            raise ValueError("a bug, not an outage")
    assert breaker.state is State.CLOSED


def test_half_open_lets_one_trial_through_and_closes_on_success() -> None:
    clock, changes = Clock(), []
    breaker = make(clock, changes)
    for _ in range(3):
        fail(breaker)
    clock.now += 9.9
    with pytest.raises(CircuitOpenError), breaker.guard():
        pass
    clock.now += 0.1
    assert breaker.state is State.HALF_OPEN
    with breaker.guard():
        # While the trial runs, everyone else still fails fast.
        with pytest.raises(CircuitOpenError, match="trial"), breaker.guard():
            pass
    assert breaker.state is State.CLOSED
    assert changes == [State.OPEN, State.HALF_OPEN, State.CLOSED]
    fail(breaker)
    assert breaker.state is State.CLOSED  # the count started again


def test_a_failed_trial_opens_again_for_a_whole_cooldown() -> None:
    clock = Clock()
    breaker = make(clock)
    for _ in range(3):
        fail(breaker)
    clock.now += 10
    fail(breaker)
    assert breaker.state is State.OPEN
    clock.now += 9
    with pytest.raises(CircuitOpenError), breaker.guard():
        pass
    clock.now += 1
    succeed(breaker)
    assert breaker.state is State.CLOSED


def test_an_abandoned_trial_frees_the_slot() -> None:
    clock = Clock()
    breaker = make(clock)
    for _ in range(3):
        fail(breaker)
    clock.now += 10
    with pytest.raises(KeyboardInterrupt), breaker.guard():
        raise KeyboardInterrupt  # e.g. a cancellation: no verdict on the dependency
    assert breaker.state is State.HALF_OPEN
    succeed(breaker)
    assert breaker.state is State.CLOSED
