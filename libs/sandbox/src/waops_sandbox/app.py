"""The sandbox: a local stand-in of the WhatsApp Cloud API (Graph API) for runs and tests.

It speaks Meta's wire format on both sides, so waops code cannot tell it from Meta:
- Graph side: ``POST /{version}/{phone_number_id}/messages`` with bearer-token checks,
  Graph-style validation and error bodies, and the real success body with a ``wamid.`` id.
- Webhook side: it plays a phone, posting real, signed webhook payloads to the adapter.
Everything the Graph side accepts is recorded and readable under ``/_sandbox/``, and
``/_sandbox/faults`` makes the next sends fail the way Meta can, to test error handling, and
``/_sandbox/window`` enforces WhatsApp's 24-hour customer-service window (off by default).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.typedefs import Handler

from waops_sandbox import (
    cloud_api,
    d360_api,
    faults,
    graph,
    llm,
    media,
    payments,
    phone,
    twilio_api,
    window,
)
from waops_sandbox.faults import Fault as Fault  # re-exported: the package's API
from waops_sandbox.meta_payloads import (
    digits,
)


@dataclass
class SandboxConfig:
    access_token: str
    app_secret: str
    phone_number_id: str
    display_phone_number: str
    graph_version: str = "v21.0"
    webhook_url: str | None = None  # the adapter's /webhooks/meta URL
    verify_token: str | None = None  # for /_sandbox/webhook/verify (hub.challenge GET)
    webhook_timeout: float = 10.0
    # Which door the phone knocks on when a message names no provider: the default
    # channel's (WAOPS_PROVIDER; "sandbox" speaks Meta's formats).
    phone_provider: str = "meta"
    # The sandbox's own externally visible URL (media download URLs, Twilio MediaUrlN).
    base_url: str = "http://127.0.0.1:8090"
    # 360dialog: the D360-API-KEY it accepts, where its webhooks go, their optional secret.
    d360_api_key: str = "sandbox-d360-api-key"
    d360_webhook_url: str | None = None  # the adapter's /webhooks/360dialog URL
    d360_webhook_secret: str | None = None
    # Twilio: the account it plays, the WhatsApp sender, where inbound webhooks go.
    twilio_account_sid: str = "AC00000000000000000000000000000000"
    twilio_auth_token: str = "sandbox-twilio-auth-token"
    twilio_whatsapp_number: str = "+14155238886"
    twilio_webhook_url: str | None = None  # the adapter's /webhooks/twilio URL (as signed)
    # Payment gateway: where its signed payment webhooks go (the core), and their secret.
    payment_webhook_url: str | None = None  # the core's /v1/payments/webhook
    payment_webhook_secret: str = "sandbox-payment-secret"
    # The fake LLM (POST /v1/chat/completions): the bearer key it demands; None takes any.
    llm_api_key: str | None = None


@dataclass
class SandboxState:
    sent: list[dict[str, Any]] = field(default_factory=list)


CONFIG = web.AppKey("sandbox_config", SandboxConfig)
STATE = web.AppKey("sandbox_state", SandboxState)
SESSION = web.AppKey("sandbox_session", aiohttp.ClientSession)


def _bearer(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip()
    return request.query.get("access_token")  # the Graph API also takes it as a parameter


async def send_message(request: web.Request) -> web.Response:
    config = request.app[CONFIG]
    misbehaviour = request.app[faults.MISBEHAVIOUR]
    fault = await misbehaviour.fault_for("meta")
    if fault is not None and (error := fault.error()) is not None:
        return cloud_api.graph_error(error)
    if _bearer(request) != config.access_token:
        return cloud_api.graph_error(graph.invalid_token())
    phone_number_id = request.match_info["phone_number_id"]
    if phone_number_id != config.phone_number_id:
        return cloud_api.graph_error(graph.unknown_object(phone_number_id))
    return await cloud_api.accept_send(
        request,
        "meta",
        phone_number_id=phone_number_id,
        version=request.match_info["version"],
    )


async def list_sent(request: web.Request) -> web.Response:
    sent = request.app[STATE].sent
    if to := request.query.get("to"):
        sent = [s for s in sent if s["to"] == digits(to)]
    return web.json_response(sent)


async def clear_sent(request: web.Request) -> web.Response:
    request.app[STATE].sent.clear()
    return web.json_response({"cleared": True})


@web.middleware
async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The control API's refusals as JSON, like every waops HTTP error."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        body = {"error": {"code": exc.reason.upper().replace(" ", "_"), "message": exc.text}}
        return web.json_response(body, status=exc.status)


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def create_sandbox_app(config: SandboxConfig) -> web.Application:
    app = web.Application(middlewares=[json_errors])
    app[CONFIG] = config
    app[STATE] = SandboxState()

    async def client_session(app: web.Application) -> Any:
        timeout = aiohttp.ClientTimeout(total=config.webhook_timeout)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            app[SESSION] = session
            yield

    app.cleanup_ctx.append(client_session)
    app.router.add_post(r"/{version:v\d+\.\d+}/{phone_number_id}/messages", send_message)
    app.router.add_get("/_sandbox/sent", list_sent)
    app.router.add_delete("/_sandbox/sent", clear_sent)
    faults.install(app, app[STATE].sent)  # faults per provider, status callbacks
    window.install(app)  # the 24-hour customer-service window, enforced on request
    d360_api.install(app, config)  # 360dialog: POST /messages
    twilio_api.install(app, config)  # Twilio: POST /2010-04-01/Accounts/{sid}/Messages.json
    media.install(app, config)  # media hosting: Graph, 360dialog, Twilio (+ uploads)
    phone.install(app, config, app[STATE].sent)  # the phone: /_sandbox/phone/*, webhooks
    payments.install(app, config)  # payment gateway page: /_sandbox/pay/{link_id}
    llm.install(app, config)  # a scripted LLM: POST /v1/chat/completions, /_sandbox/llm/*
    app.router.add_get("/healthz", healthz)
    return app
