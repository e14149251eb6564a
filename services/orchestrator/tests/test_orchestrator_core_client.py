"""The core client against the fake core over real HTTP: headers, retries, refusals, the
breaker."""

from __future__ import annotations

import socket
from dataclasses import replace
from typing import Any

import pytest
from orchestrator.adapters.core_client import CoreCall, CoreClient, CoreRefused, CoreUnavailable
from waops_service_kit.circuit_breaker import CircuitBreaker, State

LEAD = {
    "tour_code": "EBC",
    "pax": 3,
    "travel_month": "2025-03",
    "customer_phone": "+9779841234567",
    "customer_name": "Asha",
}
CALL = CoreCall(
    tenant="demo", correlation_id="corr-1", actor_id="+9779841234567", actor_role="CUSTOMER"
)


async def create_lead(
    core: CoreClient, key: str, call: CoreCall = CALL, **changes: Any
) -> dict[str, Any]:
    answer = await core.post("/v1/leads", {**LEAD, **changes}, call=call, idempotency_key=key)
    return dict(answer["lead"])


class Clock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


def client(url: str, *, failures: int = 5, clock: Clock | None = None) -> CoreClient:
    breaker = CircuitBreaker(
        name="core",
        failures=failures,
        cooldown=30,
        failure_types=(CoreUnavailable,),
        clock=clock or Clock(),
    )
    return CoreClient(url, timeout=2, attempts=3, backoff=0.01, backoff_max=0.02, breaker=breaker)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_posts_with_the_idempotency_key_and_the_actor(fake_core: Any) -> None:
    traced = replace(CALL, traceparent="00-" + "1" * 32 + "-" + "2" * 16 + "-01")
    async with client(fake_core.url) as core:
        first = await create_lead(core, "cmd-1", traced)
        again = await create_lead(core, "cmd-1", replace(CALL, causation_id="evt-1"))
    assert (first["id"], first["reference"], first["state"]) == (again["id"], "EBC2500001", "NEW")
    assert first["assigned_to"] == {
        "user_id": "u-1",
        "name": "Sita Sharma",
        "phone": "+9779800000001",
    }
    assert len(fake_core.leads) == 1
    seen = fake_core.requests[0]
    assert seen.headers["Idempotency-Key"] == "cmd-1"
    assert seen.headers["X-Waops-Tenant"] == "demo"
    assert seen.headers["X-Correlation-Id"] == "corr-1"
    assert seen.headers["X-Waops-Actor-Id"] == "+9779841234567"
    assert seen.headers["X-Waops-Actor-Role"] == "CUSTOMER"
    assert seen.headers["traceparent"].startswith("00-" + "1" * 32)
    assert "X-Causation-Id" not in seen.headers
    assert fake_core.requests[1].headers["X-Causation-Id"] == "evt-1"
    assert seen.body == LEAD


async def test_path_values_are_quoted_as_one_segment(fake_core: Any) -> None:
    async with client(fake_core.url) as core:
        with pytest.raises(CoreRefused) as refused:
            await core.get("/v1/leads/{lead}", call=CALL, params={"lead": "../x y"})
    assert refused.value.status == 404  # the fake serves only POST /v1/leads
    assert fake_core.paths == ["/v1/leads/..%2Fx%20y"]


async def test_a_4xx_is_a_refusal_and_is_not_retried(fake_core: Any) -> None:
    async with client(fake_core.url) as core:
        with pytest.raises(CoreRefused) as refused:
            await create_lead(core, "cmd-2", tour_code="XYZ")
        assert core.breaker.consecutive_failures == 0
    assert (refused.value.status, refused.value.code) == (422, "UNKNOWN_TOUR")
    assert refused.value.message == "no active tour with code XYZ"
    assert len(fake_core.requests) == 1


@pytest.mark.parametrize("status", [429, 502, 503, 504])
async def test_transient_answers_are_retried(fake_core: Any, status: int) -> None:
    fake_core.fail_next(status, status)
    async with client(fake_core.url) as core:
        lead = await create_lead(core, "cmd-3")
    assert lead["state"] == "NEW"
    assert [r.headers["Idempotency-Key"] for r in fake_core.requests] == ["cmd-3"] * 3


async def test_a_core_that_stays_down_raises_unavailable_after_the_attempts(
    fake_core: Any,
) -> None:
    fake_core.fail_next(503, 503, 503, 503)
    async with client(fake_core.url) as core:
        with pytest.raises(CoreUnavailable, match="503"):
            await create_lead(core, "cmd-4")
    assert len(fake_core.requests) == 3


async def test_a_500_is_not_retried_here_but_is_no_refusal(fake_core: Any) -> None:
    fake_core.fail_next(500)
    async with client(fake_core.url) as core:
        with pytest.raises(CoreUnavailable, match="500"):
            await create_lead(core, "cmd-5")
    assert len(fake_core.requests) == 1


async def test_an_unreachable_core_raises_unavailable() -> None:
    async with client(f"http://127.0.0.1:{closed_port()}") as core:
        with pytest.raises(CoreUnavailable, match="unreachable"):
            await create_lead(core, "cmd-6")
        assert core.breaker.consecutive_failures == 3


async def test_the_breaker_opens_fails_fast_and_closes_after_a_good_trial(fake_core: Any) -> None:
    clock = Clock()
    fake_core.fail_next(503, 503)
    async with client(fake_core.url, failures=2, clock=clock) as core:
        with pytest.raises(CoreUnavailable, match="circuit open"):
            await create_lead(core, "cmd-7")
        assert len(fake_core.requests) == 2  # the third attempt met the open circuit
        with pytest.raises(CoreUnavailable, match="circuit open"):
            await create_lead(core, "cmd-7")
        assert len(fake_core.requests) == 2  # failed fast, the core was not called
        clock.now += 30
        lead = await create_lead(core, "cmd-7")
        assert lead["state"] == "NEW"
        assert core.breaker.state is State.CLOSED
    assert len(fake_core.requests) == 3
