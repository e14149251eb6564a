"""Operations declared once, served by aiohttp and described by OpenAPI.

An operation is declared on a ``Routes`` group (one per business area) with its path, its
request/query/response models, the refusals it can give, its tenant scoping, its
authentication and its idempotency. It is one of two kinds:

- a kit-run operation, ``f(call) -> model | dict | Reply``: the kit validates the body and
  the query (400 with the errors), runs the call in one transaction (mutating methods) in
  which the ``Idempotency-Key`` is claimed and the answer stored, answers refusals rolled
  back with their code, and validates the response against the declared model;
- a handler operation, ``handler(request) -> web.StreamResponse``: a service's own aiohttp
  handler, whose input checks and answers are its published contract. The kit checks the
  token and the tenant first, claims the ``Idempotency-Key`` around it when declared, and
  documents it with the declared models. A webhook is one: its body is documented as raw
  bytes (``raw_body``) because its signature is checked over them before any parsing.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, TypeVar

from aiohttp import web
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncConnection
from waops_contracts.registry import Event
from waops_messaging import EventWriter

from waops_service_kit.api.auth import BearerAuth

IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
CORRELATION_HEADER = "X-Correlation-Id"
CAUSATION_HEADER = "X-Causation-Id"
ACTOR_ID_HEADER = "X-Waops-Actor-Id"  # a staff id or an E.164 phone: who asked
ACTOR_ROLE_HEADER = "X-Waops-Actor-Role"  # the role the caller (orchestrator) resolved
MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_PATH_PARAM = re.compile(r"{(\w+)}")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Clock(Protocol):
    def now(self) -> datetime: ...


@dataclass(frozen=True)
class Reply:
    """A response other than the operation's default status, or with extra headers."""

    body: BaseModel | dict[str, Any]
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Actor:
    id: str | None
    role: str | None


@dataclass
class Call:
    """What a kit-run operation gets: the tenant, its transaction, validated input, the time."""

    tenant_id: str
    conn: AsyncConnection
    writer: EventWriter
    clock: Clock
    now: datetime  # one instant per call: every rule in it sees the same time
    path: dict[str, str]
    query: Any
    body: Any
    actor: Actor
    correlation_id: str | None
    causation_id: str | None
    request: web.Request

    async def emit(self, event: Event, *, subject: str, partition_key: str | None = None) -> None:
        """Stage a domain event in this call's transaction (published by the outbox relay)."""
        await self.writer.write(
            self.conn,
            event,
            tenant_id=self.tenant_id,
            subject=subject,
            correlation_id=self.correlation_id,
            causation_id=self.causation_id,
            partition_key=partition_key or subject,
        )


OperationFn = Callable[[Call], Awaitable[BaseModel | dict[str, Any] | Reply]]
F = TypeVar("F", bound=Callable[..., Awaitable[Any]])


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    summary: str
    tag: str
    fn: OperationFn | None = None  # a kit-run operation
    handler: Handler | None = None  # a service's own aiohttp handler
    name: str | None = None  # the operationId when the function's name is not unique
    response: type[BaseModel] | None = None
    status: int = 200
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    errors: tuple[tuple[int, str], ...] = ()  # (status, code) refusals worth documenting
    # "required" | "optional": the kit keeps the keys; "own": required, the service keeps them
    # (the orchestrator's command log); "none"
    idempotency: str = "optional"
    tenant: bool = True  # False: not tenant-scoped (a webhook finds its tenant)
    auth: BearerAuth | None = None
    # Content types of a body the handler reads itself, documented as raw bytes (webhooks).
    raw_body: tuple[str, ...] = ()
    content_type: str = "application/json"  # of the success answer
    headers: tuple[tuple[str, str, bool], ...] = ()  # more documented (name, what, required)
    path_model: type[BaseModel] | None = None  # schemas of the path parameters it names
    # Checks the raw request (a webhook's signature) before anything in it is parsed or
    # believed; raises a refusal (e.g. 401) to refuse.
    authenticate: Callable[[web.Request, bytes], None] | None = None

    @property
    def operation_id(self) -> str:
        if self.name:
            return self.name
        target = self.fn or self.handler
        assert target is not None, "an operation is a kit-run function or a handler"
        return target.__name__

    @property
    def path_params(self) -> list[str]:
        return _PATH_PARAM.findall(self.path)


@dataclass
class Routes:
    """A group of operations (one per business area), collected by the bootstrap."""

    tag: str
    description: str = ""
    operations: list[Operation] = field(default_factory=list)
    auth: BearerAuth | None = None  # every operation of the group needs this token

    def _add(self, method: str, path: str, **spec: Any) -> Callable[[F], F]:
        def register(target: F) -> F:
            summary = (
                spec.pop("summary", None)
                or (target.__doc__ or target.__name__).strip().split("\n")[0]
            )
            spec.setdefault("auth", self.auth)
            spec["handler" if spec.pop("raw", False) else "fn"] = target
            self.operations.append(
                Operation(method=method, path=path, summary=summary, tag=self.tag, **spec)
            )
            return target

        return register

    def get(self, path: str, **spec: Any) -> Callable[[F], F]:
        spec.setdefault("idempotency", "none")
        return self._add("GET", path, **spec)

    def post(self, path: str, **spec: Any) -> Callable[[F], F]:
        return self._add("POST", path, **spec)

    def patch(self, path: str, **spec: Any) -> Callable[[F], F]:
        return self._add("PATCH", path, **spec)

    def delete(self, path: str, **spec: Any) -> Callable[[F], F]:
        return self._add("DELETE", path, **spec)

    def handle(self, method: str, path: str, handler: Handler, **spec: Any) -> Handler:
        """Declare a service's own aiohttp handler (see the module's docstring)."""
        if method == "GET":
            spec.setdefault("idempotency", "none")
        spec["raw"] = True
        return self._add(method, path, **spec)(handler)
