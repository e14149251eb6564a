"""The core's REST API (tenant in X-Waops-Tenant; errors are ``{"error": {code, message}}``).

- POST /v1/leads (Idempotency-Key required): create a lead, assign a sales rep, publish
  ``waops.lead.created.v1``. 201 ``{"lead": {...}}``; a replay returns the first response
  with ``Idempotent-Replayed: true``.
- GET /v1/leads/{id}: one lead.
- GET /v1/tours: the catalogue, with aliases and departures.
- GET /v1/staff[?phone=+977...][&role=SALES]: the staff directory.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any, get_args

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError
from waops_contracts.events.commands import Role
from waops_service_kit import RUNTIME, ApiError
from waops_service_kit.http import tenant_of

from core.adapters.catalogue import tours_with_departures
from core.adapters.directory import list_staff
from core.adapters.leads import lead_view, parse_lead_id
from core.domain.leads import InconsistentTravelDates, LeadDraft, resolve_travel_month
from core.domain.phones import InvalidPhone, normalize_phone
from core.usecases import IdempotencyKeyReused, UnknownTour, create_lead

IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
CORRELATION_HEADER = "X-Correlation-Id"
CAUSATION_HEADER = "X-Causation-Id"
# Staff roles: every contract role but the customer (who is not in the directory).
ROLES = tuple(r for r in get_args(Role) if r != "CUSTOMER")

Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]


class LeadRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    tour_code: Annotated[
        str, StringConstraints(strip_whitespace=True, to_upper=True, min_length=1, max_length=8)
    ]
    pax: int = Field(ge=1, le=50)
    travel_month: Annotated[str, StringConstraints(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")] | None = (
        None
    )
    travel_date: date | None = None
    customer_phone: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    customer_name: Text | None = None
    conversation_id: Text | None = None
    channel_id: Text | None = None
    enquiry_text: Annotated[str, StringConstraints(max_length=4096)] | None = None


def _draft(payload: Any) -> LeadDraft:
    try:
        req = LeadRequest.model_validate(payload)
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_context=False, include_input=False)
        raise ApiError(
            400, "INVALID_REQUEST", "the lead request is not valid", errors=errors
        ) from None
    try:
        phone = normalize_phone(req.customer_phone)
    except InvalidPhone as exc:
        raise ApiError(400, "INVALID_PHONE", str(exc), field="customer_phone") from None
    try:
        month = resolve_travel_month(req.travel_month, req.travel_date)
    except InconsistentTravelDates as exc:
        raise ApiError(400, "INVALID_REQUEST", str(exc)) from None
    return LeadDraft(
        tour_code=req.tour_code,
        pax=req.pax,
        customer_phone=phone,
        travel_month=month,
        travel_date=req.travel_date,
        customer_name=req.customer_name or None,
        conversation_id=req.conversation_id or None,
        channel_id=req.channel_id or None,
        enquiry_text=req.enquiry_text or None,
    )


def _header(request: web.Request, name: str) -> str | None:
    value = request.headers.get(name, "").strip()
    return value[:200] or None


async def post_lead(request: web.Request) -> web.Response:
    tenant = tenant_of(request)
    key = request.headers.get(IDEMPOTENCY_HEADER, "").strip()
    if not key:
        raise ApiError(
            400, "IDEMPOTENCY_KEY_REQUIRED", f"the {IDEMPOTENCY_HEADER} header is required"
        )
    if len(key) > 255:
        raise ApiError(400, "IDEMPOTENCY_KEY_INVALID", "an idempotency key is at most 255 chars")
    try:
        payload = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ApiError(400, "INVALID_JSON", "the body is not valid JSON") from None
    draft = _draft(payload)
    runtime = request.app[RUNTIME]
    try:
        outcome = await create_lead(
            runtime.engine,
            runtime.writer,
            tenant_id=tenant,
            draft=draft,
            idempotency_key=key,
            correlation_id=_header(request, CORRELATION_HEADER),
            causation_id=_header(request, CAUSATION_HEADER),
        )
    except UnknownTour:
        raise ApiError(
            422,
            "UNKNOWN_TOUR",
            f"no active tour with code {draft.tour_code}",
            tour_code=draft.tour_code,
        ) from None
    except IdempotencyKeyReused:
        raise ApiError(
            409,
            "IDEMPOTENCY_KEY_REUSED",
            f"this {IDEMPOTENCY_HEADER} was already used with a different request",
        ) from None
    headers = {"Location": f"/v1/leads/{outcome.body['lead']['id']}"}
    if outcome.replayed:
        headers[REPLAYED_HEADER] = "true"
    return web.json_response(outcome.body, status=outcome.status, headers=headers)


async def get_lead(request: web.Request) -> web.Response:
    tenant = tenant_of(request)
    raw_id = request.match_info["lead_id"]
    lead_id = parse_lead_id(raw_id)
    lead = None
    if lead_id is not None:
        async with request.app[RUNTIME].engine.connect() as conn:
            lead = await lead_view(conn, tenant, lead_id)
    if lead is None:
        raise ApiError(404, "LEAD_NOT_FOUND", "no such lead", id=raw_id)
    return web.json_response({"lead": lead})


async def get_tours(request: web.Request) -> web.Response:
    tenant = tenant_of(request)
    async with request.app[RUNTIME].engine.connect() as conn:
        tours = await tours_with_departures(conn, tenant)
    return web.json_response({"tours": tours})


async def get_staff(request: web.Request) -> web.Response:
    tenant = tenant_of(request)
    phone = request.query.get("phone", "").strip() or None
    if phone is not None:
        try:
            phone = normalize_phone(phone)
        except InvalidPhone as exc:
            raise ApiError(400, "INVALID_PHONE", str(exc), field="phone") from None
    role = request.query.get("role", "").strip().upper() or None
    if role is not None and role not in ROLES:
        raise ApiError(400, "INVALID_ROLE", f"role must be one of {', '.join(ROLES)}")
    async with request.app[RUNTIME].engine.connect() as conn:
        staff = await list_staff(conn, tenant, phone=phone, role=role)
    return web.json_response({"staff": [m.as_json() for m in staff]})


def add_routes(app: web.Application) -> None:
    app.router.add_post("/v1/leads", post_lead)
    app.router.add_get("/v1/leads/{lead_id}", get_lead)
    app.router.add_get("/v1/tours", get_tours)
    app.router.add_get("/v1/staff", get_staff)
