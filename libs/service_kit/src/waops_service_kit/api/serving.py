"""How the kit serves a declared operation: token, tenant, input, transaction, answer."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from pydantic import BaseModel, ValidationError

from waops_service_kit.api import idempotency
from waops_service_kit.api.operations import (
    ACTOR_ID_HEADER,
    ACTOR_ROLE_HEADER,
    CAUSATION_HEADER,
    CORRELATION_HEADER,
    IDEMPOTENCY_HEADER,
    MUTATING,
    REPLAYED_HEADER,
    Actor,
    Call,
    Clock,
    Handler,
    Operation,
    Reply,
)
from waops_service_kit.api.refusals import Refusal
from waops_service_kit.http import ApiError, tenant_of
from waops_service_kit.runtime import RUNTIME


@dataclass(frozen=True)
class Serving:
    """What the kit needs from the service: its clock and its domain's refusal classes."""

    clock_of: Callable[[web.Request], Clock]
    refusals: tuple[type[Exception], ...] = ()

    def as_api_error(self, exc: Exception) -> ApiError | None:
        if isinstance(exc, (Refusal, *self.refusals)):
            details = getattr(exc, "details", {}) or {}
            status = int(getattr(exc, "status", 409))
            code = str(getattr(exc, "code", "REFUSED"))
            return ApiError(status, code, str(getattr(exc, "message", exc)), **details)
        return None


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
    if op.idempotency in ("none", "own"):
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


def _fingerprint(request: web.Request, canonical: bytes) -> str:
    return hashlib.sha256(
        request.method.encode() + b" " + request.path.encode() + b"\n" + canonical
    ).hexdigest()


def _reused() -> ApiError:
    return ApiError(
        409,
        "IDEMPOTENCY_KEY_REUSED",
        f"this {IDEMPOTENCY_HEADER} was already used with a different request",
    )


def handler_for(op: Operation, serving: Serving) -> Handler:
    handle = _run_handler(op, serving) if op.handler is not None else _run_call(op, serving)
    handle.__name__ = op.operation_id
    return handle


def _run_call(op: Operation, serving: Serving) -> Handler:
    assert op.fn is not None
    fn = op.fn

    async def handle(request: web.Request) -> web.StreamResponse:
        if op.auth is not None:
            op.auth.check(request)
        if op.authenticate is not None:
            try:
                op.authenticate(request, await request.read())
            except Exception as exc:
                refused = serving.as_api_error(exc)
                if refused is None:
                    raise
                raise refused from None
        tenant = tenant_of(request) if op.tenant else ""
        body, canonical = await _body(request, op)
        query = _query(request, op)
        key = _idempotency_key(request, op)
        runtime = request.app[RUNTIME]
        clock = serving.clock_of(request)
        fingerprint = _fingerprint(request, canonical)
        transaction = runtime.engine.begin() if op.method in MUTATING else runtime.engine.connect()
        try:
            async with transaction as conn:
                if key is not None:
                    stored = await idempotency.claim(conn, tenant, key, fingerprint)
                    if stored is not None:
                        if stored.request_hash != fingerprint:
                            raise _reused()
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
                result = await fn(call)
                reply = result if isinstance(result, Reply) else Reply(result)
                status = reply.status or op.status
                payload = _serialise(op, reply.body)
                if key is not None:
                    await idempotency.complete(conn, tenant, key, status, payload)
        except Exception as exc:  # raised inside the transaction: everything rolled back
            refused = serving.as_api_error(exc)
            if refused is None:
                raise
            raise refused from None
        return web.json_response(payload, status=status, headers=reply.headers)

    return handle


def _run_handler(op: Operation, serving: Serving) -> Handler:
    assert op.handler is not None
    inner = op.handler

    async def handle(request: web.Request) -> web.StreamResponse:
        if op.auth is not None:
            op.auth.check(request)
        tenant = tenant_of(request) if op.tenant else ""
        key = _idempotency_key(request, op)
        try:
            if key is None:
                return await inner(request)
            return await _idempotent(request, tenant, key, inner)
        except Exception as exc:
            refused = serving.as_api_error(exc)
            if refused is None:
                raise
            raise refused from None

    return handle


async def _idempotent(
    request: web.Request, tenant: str, key: str, inner: Handler
) -> web.StreamResponse:
    """The key is claimed in a transaction held open around the handler (a concurrent
    duplicate waits on it), and the answer stored with it. A refusal (4xx) or an error frees
    the key. The handler commits its own work first: if the key's commit then failed, a
    retry would run again, and the handler's own rules (exists, not halted) answer it."""
    fingerprint = _fingerprint(request, await request.read())
    try:
        async with request.app[RUNTIME].engine.begin() as conn:
            stored = await idempotency.claim(conn, tenant, key, fingerprint)
            if stored is not None:
                if stored.request_hash != fingerprint:
                    raise _reused()
                return web.json_response(
                    stored.body, status=stored.status, headers={REPLAYED_HEADER: "true"}
                )
            response = await inner(request)
            if not isinstance(response, web.Response) or response.status >= 400:
                raise _Unclaimed(response)  # rolls the claim back
            body = json.loads(response.body) if isinstance(response.body, bytes) else {}
            await idempotency.complete(conn, tenant, key, response.status, body)
    except _Unclaimed as unclaimed:
        return unclaimed.response
    return response


class _Unclaimed(Exception):
    def __init__(self, response: web.StreamResponse) -> None:
        super().__init__("the key is not kept")
        self.response = response
