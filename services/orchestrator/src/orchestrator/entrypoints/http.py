"""Orchestrator REST API (tenant in X-Waops-Tenant).

- GET /v1/commands/{command_id}: a command as logged, with its status and outcome.

The back office (sales and operations on the web), each route one command run through the
same path as a command from WhatsApp (``handlers.back_office``):

- POST /v1/leads/{lead_id}/quotes             SendQuote
- POST /v1/leads/{lead_id}/convert            ConvertLead (hold seats, convert, payment link)
- POST /v1/leads/{lead_id}/lose               DeleteLead (the lead is marked LOST)
- POST /v1/bookings/{booking}/payment-links   SendPaymentLink
- POST /v1/trips/{trip}/assignments           AssignStaff
- POST /v1/departures/{departure_id}/assignments   AssignStaff (on the departure's trip)
- POST /v1/incidents/{incident_id}/updates    UpdateIncident
- POST /v1/departures/{departure_id}/broadcast     Broadcast
- POST /v1/departures/{departure_id}/close    CloseDeparture
- POST /v1/waitlist/{entry_id}/confirm        ConfirmWaitlistOffer (for the customer)
- POST /v1/waitlist/{entry_id}/decline        DeclineWaitlistOffer (for the customer)

Each needs ``Authorization: Bearer <WAOPS_ORCHESTRATOR_API_TOKEN>`` (any key of its
comma-separated list; 401 without, 503 when no token is configured), ``X-Waops-Actor-Id`` (the acting staff member's id: their role decides,
403 when inactive or unknown) and an ``Idempotency-Key`` (the command's id: a retry gets the
first answer, ``Idempotent-Replayed: true``). The body holds the command's arguments (422 when
they are not valid). Answers: 200/201 ``{command_id, name, status, object, result}``; a
refusal as ``{"error": {code, message, details: {command_id, name}}}`` with 403 (role or
object), the core's 404/409/422 (its code), 503 when the core is unavailable.

Declared with the API kit (``waops_service_kit.api``), which checks the token and the tenant
and serves the OpenAPI document at ``/openapi.json``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, ValidationError, create_model
from waops_service_kit import RUNTIME, ApiError, json_error
from waops_service_kit.api import Answer, BearerAuth, Routes, mount, token_list
from waops_service_kit.http import tenant_of

from orchestrator.adapters.commands import LoggedCommand, command_view
from orchestrator.adapters.core_client import CoreContractError, CoreUnavailable
from orchestrator.domain.commands import ARGS, Args
from orchestrator.domain.permissions import Refused
from orchestrator.handlers.back_office import BackOfficeRequest, run_back_office_command
from orchestrator.handlers.execution import Decision
from orchestrator.settings import OrchestratorSettings

ACTOR_HEADER = "X-Waops-Actor-Id"
IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
API_VERSION = "1.0.0"


@dataclass(frozen=True)
class BackOfficeRoute:
    path: str
    command: str
    status: int  # on success


ROUTES = (
    BackOfficeRoute("/v1/leads/{lead_id}/quotes", "SendQuote", 201),
    BackOfficeRoute("/v1/leads/{lead_id}/convert", "ConvertLead", 201),
    BackOfficeRoute("/v1/leads/{lead_id}/lose", "DeleteLead", 200),
    BackOfficeRoute("/v1/bookings/{booking}/payment-links", "SendPaymentLink", 201),
    BackOfficeRoute("/v1/trips/{trip}/assignments", "AssignStaff", 201),
    BackOfficeRoute("/v1/departures/{departure_id}/assignments", "AssignStaff", 201),
    BackOfficeRoute("/v1/incidents/{incident_id}/updates", "UpdateIncident", 201),
    BackOfficeRoute("/v1/departures/{departure_id}/broadcast", "Broadcast", 200),
    BackOfficeRoute("/v1/departures/{departure_id}/close", "CloseDeparture", 200),
    # A waitlist place offered seats, answered for the customer (e.g. on the phone).
    BackOfficeRoute("/v1/waitlist/{entry_id}/confirm", "ConfirmWaitlistOffer", 200),
    BackOfficeRoute("/v1/waitlist/{entry_id}/decline", "DeclineWaitlistOffer", 200),
)


async def get_command(request: web.Request) -> web.Response:
    """A command as logged, with its status and outcome"""
    tenant = tenant_of(request)
    command_id = request.match_info["command_id"]
    async with request.app[RUNTIME].engine.connect() as conn:
        command = await command_view(conn, tenant, command_id)
    if command is None:
        raise ApiError(404, "COMMAND_NOT_FOUND", "no such command", id=command_id)
    return web.json_response({"command": _command_json(command)})


def _command_json(command: LoggedCommand) -> dict[str, Any]:
    obj = None
    if command.object_type:
        obj = {
            "type": command.object_type,
            "id": command.object_id,
            "reference": command.object_reference,
        }
    return {
        "command_id": command.command_id,
        "name": command.name,
        "status": command.status,
        "actor": command.actor,
        "args": command.args,
        "conversation_id": command.conversation_id,
        "channel_id": command.channel_id,
        "object": obj,
        "result": command.result,
        "code": command.code,
        "reason": command.reason,
        "refusal_status": command.refusal_status,
        "event_id": command.event_id,
        "correlation_id": command.correlation_id,
        "requested_at": command.requested_at.isoformat(),
        "decided_at": command.decided_at.isoformat() if command.decided_at else None,
    }


def _keys(request: web.Request) -> tuple[str, ...]:
    settings = request.app[RUNTIME].settings
    assert isinstance(settings, OrchestratorSettings)
    return token_list(settings.api_token)


_REFUSED = Answer(401, "UNAUTHENTICATED", "a valid Authorization: Bearer token is required")
BACK_OFFICE_AUTH = BearerAuth(
    "backOfficeToken",
    _keys,
    missing=_REFUSED,
    wrong=_REFUSED,
    unconfigured=Answer(
        503,
        "API_NOT_CONFIGURED",
        "the back-office API is not configured (WAOPS_ORCHESTRATOR_API_TOKEN)",
    ),
    challenge=True,
    description="WAOPS_ORCHESTRATOR_API_TOKEN (any key of its comma-separated list)",
)


class CommandView(BaseModel):
    command: dict[str, Any]


class CommandAnswer(BaseModel):
    command_id: str
    name: str
    status: str
    object: dict[str, Any] | None
    result: dict[str, Any] | None


def _required_header(request: web.Request, name: str, code: str) -> str:
    value = request.headers.get(name, "").strip()
    if not value:
        raise ApiError(400, code, f"the {name} header is required")
    if len(value) > 200:
        raise ApiError(400, code, f"the {name} header is at most 200 characters")
    return value


def _documented_body(route: BackOfficeRoute) -> type[BaseModel]:
    """The command's arguments less those the path gives, as the document shows the body."""
    model = ARGS[route.command]
    in_path = set(re.findall(r"{(\w+)}", route.path))
    fields: dict[str, Any] = {
        name: (field.annotation, field)
        for name, field in model.model_fields.items()
        if name not in in_path
    }
    name = f"{route.command}Request"
    if sum(r.command == route.command for r in ROUTES) > 1:  # AssignStaff: by trip or departure
        name = f"{route.command}By{''.join(p.title().replace('_', '') for p in sorted(in_path))}Request"
    documented: type[BaseModel] = create_model(
        name, __config__=ConfigDict(extra="forbid"), **fields
    )
    return documented


def _strict(model: type[Args]) -> type[Args]:
    """The command's arguments as an API body: unknown fields are refused, not ignored."""
    config = ConfigDict(**{**model.model_config, "extra": "forbid"})
    return type(f"{model.__name__}Body", (model,), {"model_config": config})


async def _arguments(request: web.Request, model: type[Args]) -> dict[str, Any]:
    raw = await request.read()
    try:
        body = json.loads(raw) if raw.strip() else {}
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "INVALID_JSON", "the body is not valid JSON") from None
    if not isinstance(body, dict):
        raise ApiError(422, "INVALID_REQUEST", "the body must be a JSON object")
    try:
        args = model.model_validate({**body, **request.match_info})
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_context=False, include_input=False)
        raise ApiError(
            422,
            "INVALID_REQUEST",
            "the request is not valid",
            errors=json.loads(json.dumps(errors)),
        ) from None
    return args.model_dump(mode="json", exclude_none=True)


def _answer(decision: Decision, status: int, replayed: bool) -> web.Response:
    headers = {REPLAYED_HEADER: "true"} if replayed else {}
    if decision.refusal is not None:
        r = decision.refusal
        answer = json_error(
            r.status, r.code, r.reason, command_id=decision.command_id, name=decision.name
        )
        answer.headers.update(headers)
        return answer
    body = {
        "command_id": decision.command_id,
        "name": decision.name,
        "status": decision.status,
        "object": decision.object.model_dump(mode="json") if decision.object else None,
        "result": decision.result,
    }
    return web.json_response(body, status=status, headers=headers)


def back_office(route: BackOfficeRoute) -> Callable[[web.Request], Awaitable[web.Response]]:
    body_model = _strict(ARGS[route.command])

    async def handle(request: web.Request) -> web.Response:
        command = BackOfficeRequest(
            tenant=tenant_of(request),
            actor_id=_required_header(request, ACTOR_HEADER, "ACTOR_REQUIRED"),
            idempotency_key=_required_header(
                request, IDEMPOTENCY_HEADER, "IDEMPOTENCY_KEY_REQUIRED"
            ),
            name=route.command,
            args=await _arguments(request, body_model),
            correlation_id=request.headers.get("X-Correlation-Id", "").strip()[:200] or None,
        )
        try:
            answer = await run_back_office_command(request.app[RUNTIME], command)
        except Refused as exc:
            r = exc.refusal
            raise ApiError(r.status, r.code, r.reason) from None
        except CoreUnavailable:
            raise ApiError(
                503, "CORE_UNAVAILABLE", "the core is not answering: try again later"
            ) from None
        except CoreContractError as exc:
            raise ApiError(502, "CORE_CONTRACT_ERROR", str(exc)) from None
        return _answer(answer.decision, route.status, answer.replayed)

    handle.__name__ = f"back_office_{route.command}"
    return handle


BACK_OFFICE_REFUSALS = (
    (400, "ACTOR_REQUIRED"),
    (400, "INVALID_JSON"),
    (403, "FORBIDDEN_ROLE"),
    (403, "NOT_YOUR_LEAD"),
    (403, "NOT_YOUR_BOOKING"),
    (403, "NOT_ASSIGNED"),
    (404, "the core's code"),
    (409, "the core's code"),
    (422, "INVALID_REQUEST"),
    (422, "the core's code"),
    (502, "CORE_CONTRACT_ERROR"),
    (503, "CORE_UNAVAILABLE"),
)


def api_groups() -> list[Routes]:
    commands = Routes("commands", "the command log")
    commands.handle(
        "GET",
        "/v1/commands/{command_id}",
        get_command,
        response=CommandView,
        errors=((404, "COMMAND_NOT_FOUND"),),
    )
    back = Routes(
        "back office",
        "sales and operations on the web: each route one command, run as from WhatsApp",
        auth=BACK_OFFICE_AUTH,
    )
    for route in ROUTES:
        handler = back_office(route)
        back.handle(
            "POST",
            route.path,
            handler,
            name=f"{handler.__name__}_{route.path.split('/')[2]}",
            summary=f"{route.command}, run as the acting staff member",
            idempotency="own",  # the key is the command's id in the command log
            headers=((ACTOR_HEADER, "the acting staff member's id", True),),
            body=_documented_body(route),
            path_model=ARGS[route.command],
            response=CommandAnswer,
            status=route.status,
            errors=BACK_OFFICE_REFUSALS,
        )
    return [commands, back]


def add_routes(app: web.Application) -> None:
    mount(
        app,
        api_groups(),
        title="waops orchestrator",
        version=API_VERSION,
        description="The orchestrator: the command log, and the back office (web-side "
        "actions run as commands, checked against the permission matrix).",
    )
