"""The core's HTTP API, as the orchestrator calls it.

Every call carries the command id as its ``Idempotency-Key``, so repeating it (a retry here,
a redelivery of the command) replays the core's first answer instead of acting twice.

How an answer is read:
- 2xx: done; the body is the created object, wrapped as ``{"lead": {...}}``.
- 4xx (but 408/429): the core refused the command for a business reason -> ``CoreRefused``
  with the core's error code and message; the command is rejected.
- connection errors, timeouts, 408, 429, 502, 503, 504: transient; retried here a few times
  with exponential backoff and jitter, then ``CoreUnavailable``.
- other 5xx: the core is broken; not retried here -> ``CoreUnavailable``.
``CoreUnavailable`` (also raised at once while the circuit is open) must not reject the
command: the handler lets it propagate so the broker redelivers the command later.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import aiohttp
from tenacity import (
    AsyncRetrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
    wait_random,
)
from waops_observability import get_logger

from orchestrator import metrics
from orchestrator.adapters.circuit_breaker import CircuitBreaker, CircuitOpenError

log = get_logger(__name__)

TRANSIENT_STATUSES = frozenset({408, 429, 502, 503, 504})


class CoreUnavailable(Exception):
    """The core gave no usable answer; try the command again later."""


class _Transient(CoreUnavailable):
    """A failure worth retrying at once (the core may answer on the next attempt)."""


class CoreRefused(Exception):
    """The core answered and said no (a 4xx): a business refusal of the command."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


class CoreContractError(Exception):
    """A success answer the orchestrator cannot read: the core broke the API contract."""


@dataclass(frozen=True)
class CreatedLead:
    id: str
    reference: str
    state: str
    assigned_to: dict[str, Any] | None  # the sales rep, if one was assigned


@dataclass(frozen=True)
class _Answer:
    status: int
    body: Any


class CoreClient:
    """One per process: owns the HTTP session and the core's circuit breaker."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float,
        attempts: int = 3,
        backoff: float = 0.2,
        backoff_max: float = 2.0,
        breaker: CircuitBreaker,
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._attempts = attempts
        self._backoff = backoff
        self._backoff_max = backoff_max
        self.breaker = breaker
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)

    async def close(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    async def __aenter__(self) -> CoreClient:
        await self.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    async def create_lead(
        self,
        *,
        tenant: str,
        command_id: str,
        customer_phone: str,
        tour_code: str | None = None,
        pax: int | None = None,
        travel_month: str | None = None,
        travel_date: str | None = None,
        customer_name: str | None = None,
        conversation_id: str | None = None,
        channel_id: str | None = None,
        enquiry_text: str | None = None,
        correlation_id: str,
        causation_id: str | None = None,
        traceparent: str | None = None,
    ) -> CreatedLead:
        """POST /v1/leads. Absent fields are left out; the core validates what is sent.

        ``causation_id`` names the event that asked (the core's own events point back to it).
        """
        body = {
            "tour_code": tour_code,
            "pax": pax,
            "travel_month": travel_month,
            "travel_date": travel_date,
            "customer_phone": customer_phone,
            "customer_name": customer_name,
            "conversation_id": conversation_id,
            "channel_id": channel_id,
            "enquiry_text": enquiry_text,
        }
        answer = await self._post(
            "create_lead",
            "/v1/leads",
            {k: v for k, v in body.items() if v is not None},
            tenant=tenant,
            idempotency_key=command_id,
            correlation_id=correlation_id,
            causation_id=causation_id,
            traceparent=traceparent,
        )
        try:
            lead = answer.body["lead"]
            return CreatedLead(
                id=str(lead["id"]),
                reference=lead["reference"],
                state=lead["state"],
                assigned_to=lead.get("assigned_to"),
            )
        except (KeyError, TypeError):
            raise CoreContractError(
                f"POST /v1/leads answered {answer.status} without a lead"
            ) from None

    async def _post(
        self,
        operation: str,
        path: str,
        body: dict[str, Any],
        *,
        tenant: str,
        idempotency_key: str,
        correlation_id: str,
        causation_id: str | None,
        traceparent: str | None,
    ) -> _Answer:
        headers = {
            "Idempotency-Key": idempotency_key,
            "X-Waops-Tenant": tenant,
            "X-Correlation-Id": correlation_id,
        }
        if causation_id:
            headers["X-Causation-Id"] = causation_id
        if traceparent:
            headers["traceparent"] = traceparent
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self._attempts),
            # backoff, 2x backoff, 4x ... (capped), each plus up to one backoff of jitter
            wait=wait_exponential(multiplier=self._backoff, max=self._backoff_max)
            + wait_random(0, self._backoff),
            retry=retry_if_exception_type(_Transient),
            reraise=True,
        )
        answer: _Answer | None = None
        async for attempt in retrying:
            with attempt:
                answer = await self._attempt(operation, path, body, headers)
        assert answer is not None  # AsyncRetrying either ran an attempt to success or raised
        if 200 <= answer.status < 300:
            return answer
        code, message = _error_of(answer)
        log.info("core.refused", operation=operation, status=answer.status, code=code)
        raise CoreRefused(answer.status, code, message)

    async def _attempt(
        self, operation: str, path: str, body: dict[str, Any], headers: dict[str, str]
    ) -> _Answer:
        """One HTTP attempt, through the breaker. Returns 2xx and 4xx answers; raises else."""
        if self._session is None:
            raise RuntimeError("CoreClient.start() was not called")
        try:
            with self.breaker.guard():
                try:
                    async with self._session.post(
                        self._base_url + path, json=body, headers=headers
                    ) as resp:
                        raw = await resp.read()
                        status = resp.status
                except (aiohttp.ClientError, TimeoutError) as exc:
                    metrics.CORE_CALLS.labels(operation, type(exc).__name__).inc()
                    log.warning("core.unreachable", operation=operation, error=repr(exc))
                    raise _Transient(f"core unreachable: {exc!r}") from exc
                metrics.CORE_CALLS.labels(operation, str(status)).inc()
                if status in TRANSIENT_STATUSES:
                    log.warning("core.transient_answer", operation=operation, status=status)
                    raise _Transient(f"core answered {status}")
                if status >= 500:
                    log.error("core.server_error", operation=operation, status=status)
                    raise CoreUnavailable(f"core answered {status}: {raw[:200]!r}")
        except CircuitOpenError as exc:
            metrics.CORE_CALLS.labels(operation, "circuit_open").inc()
            raise CoreUnavailable(str(exc)) from exc
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = None
        return _Answer(status, parsed)


def _error_of(answer: _Answer) -> tuple[str, str]:
    """The core's ``{"error": {"code", "message"}}``, or a code made from the status."""
    error = answer.body.get("error") if isinstance(answer.body, dict) else None
    if isinstance(error, dict) and error.get("code"):
        return str(error["code"]), str(error.get("message") or error["code"])
    return f"CORE_HTTP_{answer.status}", f"the core refused the request ({answer.status})"
