"""The core's API kit: operations declared once, served by aiohttp and described by OpenAPI.

An operation is a plain async function ``f(call) -> model | dict | Reply`` declared on a
``Routes`` group with its path, request/query/response models and the refusals it can give.
The kit then does, once for every operation:

- tenant scoping (``X-Waops-Tenant``), request and query validation (400 with the errors);
- one transaction per mutating call, in which the ``Idempotency-Key`` is claimed, the
  operation runs and the response is stored: a retried request gets the first answer
  (``Idempotent-Replayed: true``), the same key with another request a 409;
- domain refusals (``RuleViolation`` etc.) rolled back and answered with their code;
- the response validated against the declared model, so the OpenAPI document cannot drift
  from what is served.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aiohttp import web
from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncConnection
from waops_contracts.registry import Event
from waops_messaging import EventWriter
from waops_service_kit import RUNTIME, ApiError
from waops_service_kit.http import tenant_of

from core.adapters import idempotency
from core.clock import Clock
from core.domain.errors import DomainError

IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
CORRELATION_HEADER = "X-Correlation-Id"
CAUSATION_HEADER = "X-Causation-Id"
ACTOR_ID_HEADER = "X-Waops-Actor-Id"  # a staff id or an E.164 phone: who asked
ACTOR_ROLE_HEADER = "X-Waops-Actor-Role"  # the role the caller (orchestrator) resolved
MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_PATH_PARAM = re.compile(r"{(\w+)}")


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
    """What an operation gets: the tenant, its transaction, validated input, the time."""

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


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    fn: OperationFn
    summary: str
    tag: str
    response: type[BaseModel] | None
    status: int = 200
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    errors: tuple[tuple[int, str], ...] = ()  # (status, code) refusals worth documenting
    idempotency: str = "optional"  # "required" | "optional" | "none"
    tenant: bool = True  # False: not tenant-scoped (a gateway webhook finds its tenant)
    # Checks the raw request (a webhook's signature) before anything in it is parsed or
    # believed; raises a DomainError (e.g. 401) to refuse.
    authenticate: Callable[[web.Request, bytes], None] | None = None

    @property
    def operation_id(self) -> str:
        return self.fn.__name__

    @property
    def path_params(self) -> list[str]:
        return _PATH_PARAM.findall(self.path)


@dataclass
class Routes:
    """A group of operations (one per business area), collected by the bootstrap."""

    tag: str
    description: str = ""
    operations: list[Operation] = field(default_factory=list)

    def _add(self, method: str, path: str, **spec: Any) -> Callable[[OperationFn], OperationFn]:
        def register(fn: OperationFn) -> OperationFn:
            summary = (
                spec.pop("summary", None) or (fn.__doc__ or fn.__name__).strip().split("\n")[0]
            )
            self.operations.append(
                Operation(method=method, path=path, fn=fn, summary=summary, tag=self.tag, **spec)
            )
            return fn

        return register

    def get(self, path: str, **spec: Any) -> Callable[[OperationFn], OperationFn]:
        spec.setdefault("idempotency", "none")
        return self._add("GET", path, **spec)

    def post(self, path: str, **spec: Any) -> Callable[[OperationFn], OperationFn]:
        return self._add("POST", path, **spec)

    def patch(self, path: str, **spec: Any) -> Callable[[OperationFn], OperationFn]:
        return self._add("PATCH", path, **spec)

    def delete(self, path: str, **spec: Any) -> Callable[[OperationFn], OperationFn]:
        return self._add("DELETE", path, **spec)


def _validation_error(code: str, message: str, exc: ValidationError) -> ApiError:
    errors = exc.errors(include_url=False, include_context=False, include_input=False)
    return ApiError(400, code, message, errors=json.loads(json.dumps(errors, default=str)))


def body_required(model: type[BaseModel]) -> bool:
    """A body model with a required field needs a body; one of optional fields only (a note,
    a reason) takes an empty request as ``{}``."""
    return any(field.is_required() for field in model.model_fields.values())


async def _body(request: web.Request, op: Operation) -> tuple[Any, bytes]:
    if op.body is None:
        return None, b""
    raw = await request.read()
    if not raw.strip():
        if not body_required(op.body):
            raw = b"{}"  # every field is optional: no body says nothing
        else:
            raise ApiError(400, "BODY_REQUIRED", "this operation needs a JSON body")
    try:
        payload = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "INVALID_JSON", "the body is not valid JSON") from None
    try:
        model = op.body.model_validate(payload)
    except ValidationError as exc:
        raise _validation_error("INVALID_REQUEST", "the request body is not valid", exc) from None
    return model, model.model_dump_json().encode()


def _query(request: web.Request, op: Operation) -> Any:
    if op.query is None:
        return None
    try:
        return op.query.model_validate(dict(request.query))
    except ValidationError as exc:
        raise _validation_error(
            "INVALID_QUERY", "the query parameters are not valid", exc
        ) from None


def _header(request: web.Request, name: str) -> str | None:
    value = request.headers.get(name, "").strip()
    return value[:200] or None


def _idempotency_key(request: web.Request, op: Operation) -> str | None:
    if op.idempotency == "none":
        return None
    key = request.headers.get(IDEMPOTENCY_HEADER, "").strip()
    if not key:
        if op.idempotency == "required":
            raise ApiError(
                400, "IDEMPOTENCY_KEY_REQUIRED", f"the {IDEMPOTENCY_HEADER} header is required"
            )
        return None
    if len(key) > 255:
        raise ApiError(400, "IDEMPOTENCY_KEY_INVALID", "an idempotency key is at most 255 chars")
    return key


def _serialise(op: Operation, result: BaseModel | dict[str, Any]) -> dict[str, Any]:
    if op.response is None:
        return result if isinstance(result, dict) else result.model_dump(mode="json")
    model = result if isinstance(result, op.response) else op.response.model_validate(result)
    return model.model_dump(mode="json")


def handler_for(
    op: Operation, clock_of: Callable[[web.Request], Clock]
) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handle(request: web.Request) -> web.Response:
        if op.authenticate is not None:
            try:
                op.authenticate(request, await request.read())
            except DomainError as exc:
                raise ApiError(exc.status, exc.code, exc.message, **exc.details) from None
        tenant = tenant_of(request) if op.tenant else ""
        body, canonical = await _body(request, op)
        query = _query(request, op)
        key = _idempotency_key(request, op)
        runtime = request.app[RUNTIME]
        clock = clock_of(request)
        fingerprint = hashlib.sha256(
            op.method.encode() + b" " + request.path.encode() + b"\n" + canonical
        ).hexdigest()
        transaction = runtime.engine.begin() if op.method in MUTATING else runtime.engine.connect()
        try:
            async with transaction as conn:
                if key is not None:
                    stored = await idempotency.claim(conn, tenant, key, fingerprint)
                    if stored is not None:
                        if stored.request_hash != fingerprint:
                            raise ApiError(
                                409,
                                "IDEMPOTENCY_KEY_REUSED",
                                f"this {IDEMPOTENCY_HEADER} was already used with a different request",
                            )
                        return web.json_response(
                            stored.body, status=stored.status, headers={REPLAYED_HEADER: "true"}
                        )
                call = Call(
                    tenant_id=tenant,
                    conn=conn,
                    writer=runtime.writer,
                    clock=clock,
                    now=clock.now(),
                    path=dict(request.match_info),
                    query=query,
                    body=body,
                    actor=Actor(
                        _header(request, ACTOR_ID_HEADER), _header(request, ACTOR_ROLE_HEADER)
                    ),
                    correlation_id=_header(request, CORRELATION_HEADER),
                    causation_id=_header(request, CAUSATION_HEADER),
                    request=request,
                )
                result = await op.fn(call)
                reply = result if isinstance(result, Reply) else Reply(result)
                status = reply.status or op.status
                payload = _serialise(op, reply.body)
                if key is not None:
                    await idempotency.complete(conn, tenant, key, status, payload)
        except DomainError as exc:  # raised inside the transaction: everything rolled back
            raise ApiError(exc.status, exc.code, exc.message, **exc.details) from None
        return web.json_response(payload, status=status, headers=reply.headers)

    handle.__name__ = op.operation_id
    return handle
