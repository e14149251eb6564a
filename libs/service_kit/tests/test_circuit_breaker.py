"""The circuit breakers' states, on a clock the test moves."""

from __future__ import annotations

import pytest
from prometheus_client import REGISTRY
from waops_service_kit.circuit_breaker import (
    CircuitBreaker,
    CircuitBreakers,
    CircuitOpenError,
    State,
)


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
        failures=3,
        cooldown=10.0,
        failure_types=(Down,),
        clock=clock,
        on_change=changes.append if changes is not None else None,
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


def _gauge(breaker: str, key: str) -> float | None:
    return REGISTRY.get_sample_value("waops_circuit_state", {"breaker": breaker, "key": key})


def test_keyed_circuits_are_independent_and_published_by_name() -> None:
    clock, changes = Clock(), []
    breakers = CircuitBreakers(
        name="test_keyed",
        failures=2,
        cooldown=10.0,
        clock=clock,
        on_change=lambda key, state: changes.append((key, state)),
    )
    for _ in range(2):
        assert breakers.admit("a")
        breakers.failure("a")
    assert breakers.state("a") is State.OPEN and breakers.paused() == ["a"]
    assert breakers.reopens_in("a") == 10.0 and breakers.consecutive_failures("a") == 2
    assert breakers.admit("b") and breakers.state("b") is State.CLOSED
    assert (_gauge("test_keyed", "a"), _gauge("test_keyed", "b")) == (2, 0)
    clock.now += 10
    assert breakers.admit("a") and not breakers.admit("a")  # one probe only
    assert _gauge("test_keyed", "a") == 1
    breakers.release_probe("a")  # no verdict: the slot is free again, still half-open
    assert breakers.admit("a")
    breakers.success("a")
    assert breakers.state("a") is State.CLOSED and _gauge("test_keyed", "a") == 0
    assert changes == [("a", State.OPEN), ("a", State.HALF_OPEN), ("a", State.CLOSED)]


def test_a_single_breaker_is_published_closed_from_the_start() -> None:
    make(Clock())
    assert _gauge("core", "core") == 0
