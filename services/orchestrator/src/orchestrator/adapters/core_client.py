"""The core's HTTP API, as the orchestrator calls it: GET and POST on any path.

Every change carries an ``Idempotency-Key`` (the command id, or ``<command id>:<step>`` for
a command of several calls), so repeating it (a retry here, a redelivery of the command)
replays the core's first answer instead of acting twice. Every call says who acts
(``X-Waops-Actor-Id`` and ``-Role``) and carries the tenant, correlation and trace.

How an answer is read:
- 2xx: done; the body is a JSON object (``{"lead": {...}}``, ``{"items": [...]}``).
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
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import aiohttp
from tenacity import (
    AsyncRetrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
    wait_random,
)
from waops_messaging import TransientFailure
from waops_observability import get_logger
from waops_service_kit.circuit_breaker import CircuitBreaker, CircuitOpenError

from orchestrator import metrics

log = get_logger(__name__)

TRANSIENT_STATUSES = frozenset({408, 429, 502, 503, 504})


class CoreUnavailable(TransientFailure):
    """The core gave no usable answer; try the command again later (the consumer retries a
    transient failure in place, without counting it toward the delivery limit)."""


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
class CoreCall:
    """Who asks the core, in which tenant, and in which trace: the headers of every call."""

    tenant: str
    correlation_id: str
    causation_id: str | None = None  # the event that asked (the core's events point back to it)
    traceparent: str | None = None
    actor_id: str | None = None  # a staff member's user id, or a customer's phone
    actor_role: str | None = None

    def headers(self) -> dict[str, str]:
        found = {
            "X-Waops-Tenant": self.tenant,
            "X-Correlation-Id": self.correlation_id,
            "X-Causation-Id": self.causation_id,
            "traceparent": self.traceparent,
            "X-Waops-Actor-Id": self.actor_id,
            "X-Waops-Actor-Role": self.actor_role,
        }
        return {k: v for k, v in found.items() if v}


@dataclass(frozen=True)
class _Answer:
    status: int
    body: Any


class CoreClient:
    """One per process: owns the HTTP session and the core's circuit breaker.

    Paths are templates (``/v1/trips/{trip}/check-in``) filled with ``params``, each value
    quoted as one path segment; the template, not the filled path, names the call in metrics.
    """

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

    async def get(
        self,
        template: str,
        *,
        call: CoreCall,
        params: Mapping[str, str] | None = None,
        query: Mapping[str, str | int] | None = None,
    ) -> dict[str, Any]:
        """A read; the JSON object the core answered (2xx), else ``CoreRefused`` (4xx)."""
        return await self._request("GET", template, call, params, query=query)

    async def post(
        self,
        template: str,
        body: dict[str, Any],
        *,
        call: CoreCall,
        idempotency_key: str,
        params: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """A change, made once per ``idempotency_key`` (a repeat replays the first answer)."""
        return await self._request(
            "POST", template, call, params, body=body, idempotency_key=idempotency_key
        )

    async def _request(
        self,
        method: str,
        template: str,
        call: CoreCall,
        params: Mapping[str, str] | None,
        *,
        query: Mapping[str, str | int] | None = None,
        body: dict[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        operation = f"{method} {template}"
        path = template.format_map({k: quote(v, safe="") for k, v in (params or {}).items()})
        headers = call.headers()
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
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
                answer = await self._attempt(operation, method, path, query, body, headers)
        assert answer is not None  # AsyncRetrying either ran an attempt to success or raised
        if 200 <= answer.status < 300:
            if not isinstance(answer.body, dict):
                raise CoreContractError(f"{operation} answered {answer.status} without JSON")
            return answer.body
        code, message = _error_of(answer)
        log.info("core.refused", operation=operation, status=answer.status, code=code)
        raise CoreRefused(answer.status, code, message)

    async def _attempt(
        self,
        operation: str,
        method: str,
        path: str,
        query: Mapping[str, str | int] | None,
        body: dict[str, Any] | None,
        headers: dict[str, str],
    ) -> _Answer:
        """One HTTP attempt, through the breaker. Returns 2xx and 4xx answers; raises else."""
        if self._session is None:
            raise RuntimeError("CoreClient.start() was not called")
        try:
            with self.breaker.guard():
                try:
                    async with self._session.request(
                        method, self._base_url + path, params=query, json=body, headers=headers
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
