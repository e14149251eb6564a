"""The sandbox: a local stand-in of the WhatsApp Cloud API (Graph API) for runs and tests.

It speaks Meta's wire format on both sides, so waops code cannot tell it from Meta:
- Graph side: ``POST /{version}/{phone_number_id}/messages`` with bearer-token checks,
  Graph-style validation and error bodies, and the real success body with a ``wamid.`` id.
- Webhook side: it plays a phone, posting real, signed webhook payloads to the adapter.
Everything the Graph side accepts is recorded and readable under ``/_sandbox/``, and
``/_sandbox/faults`` makes the next sends fail the way Meta can, to test error handling.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.typedefs import Handler

from waops_sandbox import graph
from waops_sandbox.meta_payloads import (
    LEGACY_SIGNATURE_HEADER,
    SIGNATURE_HEADER,
    digits,
    encode,
    new_wamid,
    sign,
    sign_sha1,
    status_webhook,
    text_message_webhook,
    verification_params,
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


@dataclass
class Fault:
    """The next ``times`` sends answer ``status``/``error_code`` after ``delay`` seconds.

    With neither status nor error_code the send succeeds, only late (to test timeouts).
    """

    status: int | None = None
    error_code: int | None = None
    times: int = 1
    delay: float = 0.0

    def error(self) -> graph.GraphError | None:
        if self.error_code is not None:
            return graph.error_for_code(self.error_code, self.status)
        if self.status is not None:
            return graph.error_for_code(2 if self.status >= 500 else 100, self.status)
        return None


@dataclass
class SandboxState:
    sent: list[dict[str, Any]] = field(default_factory=list)
    faults: deque[Fault] = field(default_factory=deque)

    def next_fault(self) -> Fault | None:
        if not self.faults:
            return None
        fault = self.faults[0]
        fault.times -= 1
        if fault.times <= 0:
            self.faults.popleft()
        return fault


CONFIG = web.AppKey("sandbox_config", SandboxConfig)
STATE = web.AppKey("sandbox_state", SandboxState)
SESSION = web.AppKey("sandbox_session", aiohttp.ClientSession)


def _graph_error(exc: graph.GraphError) -> web.Response:
    headers = {}
    if exc.code == 190:
        headers["WWW-Authenticate"] = f'OAuth "Facebook Platform" "invalid_token" "{exc.message}"'
    return web.json_response(exc.body(), status=exc.status, headers=headers)


def _bearer(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip()
    return request.query.get("access_token")  # the Graph API also takes it as a parameter


async def send_message(request: web.Request) -> web.Response:
    config, state = request.app[CONFIG], request.app[STATE]
    fault = state.next_fault()
    if fault is not None:
        if fault.delay:
            await asyncio.sleep(fault.delay)
        if (error := fault.error()) is not None:
            return _graph_error(error)
    if _bearer(request) != config.access_token:
        return _graph_error(graph.invalid_token())
    phone_number_id = request.match_info["phone_number_id"]
    if phone_number_id != config.phone_number_id:
        return _graph_error(graph.unknown_object(phone_number_id))
    try:
        payload = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return _graph_error(graph.invalid_parameter("The request body must be JSON."))
    try:
        summary = graph.validate_send(payload)
    except graph.GraphError as exc:
        return _graph_error(exc)
    if summary["type"] == "read":
        answer: dict[str, Any] = {"success": True}
        wamid = payload["message_id"]
    else:
        wamid = new_wamid()
        answer = graph.send_success(summary["to"], wamid)
    state.sent.append(
        {
            "id": wamid,
            "phone_number_id": phone_number_id,
            "version": request.match_info["version"],
            "to": digits(summary["to"]) if summary["to"] else None,
            "type": summary["type"],
            "body": summary["body"],
            "request": payload,
            "traceparent": request.headers.get("traceparent"),
            "received_at": datetime.now(UTC).isoformat(),
        }
    )
    return web.json_response(answer)


async def list_sent(request: web.Request) -> web.Response:
    sent = request.app[STATE].sent
    if to := request.query.get("to"):
        sent = [s for s in sent if s["to"] == digits(to)]
    return web.json_response(sent)


async def clear_sent(request: web.Request) -> web.Response:
    request.app[STATE].sent.clear()
    return web.json_response({"cleared": True})


async def add_fault(request: web.Request) -> web.Response:
    data = await _json_object(request)
    try:
        fault = Fault(
            status=int(data["status"]) if data.get("status") is not None else None,
            error_code=int(data["error_code"]) if data.get("error_code") is not None else None,
            times=int(data.get("times", 1)),
            delay=float(data.get("delay", 0.0)),
        )
    except (TypeError, ValueError) as exc:
        raise web.HTTPBadRequest(text=f"bad fault: {exc}") from exc
    request.app[STATE].faults.append(fault)
    return web.json_response({"queued": _fault_json(fault)})


async def list_faults(request: web.Request) -> web.Response:
    return web.json_response([_fault_json(f) for f in request.app[STATE].faults])


async def clear_faults(request: web.Request) -> web.Response:
    request.app[STATE].faults.clear()
    return web.json_response({"cleared": True})


def _fault_json(fault: Fault) -> dict[str, Any]:
    return {
        "status": fault.status,
        "error_code": fault.error_code,
        "times": fault.times,
        "delay": fault.delay,
    }


async def phone_send(request: web.Request) -> web.Response:
    """Play a customer's phone: a signed ``messages`` webhook to the adapter."""
    config = request.app[CONFIG]
    data = await _json_object(request)
    sender, text = data.get("from"), data.get("text")
    if not isinstance(sender, str) or not digits(sender) or not isinstance(text, str):
        raise web.HTTPBadRequest(text='"from" (phone) and "text" are required')
    payload = text_message_webhook(
        config.phone_number_id,
        config.display_phone_number,
        from_wa_id=sender,
        profile_name=data.get("profile_name") or f"Sandbox {digits(sender)[-4:]}",
        text=text,
        message_id=data.get("message_id"),
        timestamp=data.get("timestamp"),
    )
    message_id = payload["entry"][0]["changes"][0]["value"]["messages"][0]["id"]
    # Meta sends no trace context; a test may, to follow one message through waops.
    result = await _deliver(request.app, payload, traceparent=data.get("traceparent"))
    return web.json_response({"message_id": message_id, **result})


async def phone_status(request: web.Request) -> web.Response:
    """Report a status (sent/delivered/read/failed) for a message waops sent."""
    config, state = request.app[CONFIG], request.app[STATE]
    data = await _json_object(request)
    wamid = data.get("message_id")
    sent = next((s for s in state.sent if s["id"] == wamid), None)
    recipient = data.get("recipient_id") or (sent or {}).get("to")
    if not isinstance(wamid, str) or not recipient:
        raise web.HTTPBadRequest(text='"message_id" of a recorded send (or "recipient_id") needed')
    payload = status_webhook(
        config.phone_number_id,
        config.display_phone_number,
        message_id=wamid,
        recipient_id=recipient,
        status=data.get("status", "delivered"),
        errors=data.get("errors"),
    )
    return web.json_response({"message_id": wamid, **await _deliver(request.app, payload)})


async def verify_webhook(request: web.Request) -> web.Response:
    """Do what Meta does when a webhook URL is saved: the hub.challenge GET."""
    config = request.app[CONFIG]
    data = await _json_object(request)
    token = data.get("verify_token") or config.verify_token
    if not config.webhook_url or not isinstance(token, str):
        raise web.HTTPConflict(text="no webhook_url or verify_token configured")
    challenge = str(secrets.randbelow(10**9))
    try:
        async with request.app[SESSION].get(
            config.webhook_url, params=verification_params(token, challenge)
        ) as resp:
            body = await resp.text()
            status = resp.status
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise web.HTTPBadGateway(text=f"webhook unreachable: {exc!r}") from exc
    verified = status == 200 and body == challenge
    return web.json_response({"verified": verified, "status": status, "body": body})


async def _deliver(
    app: web.Application, payload: dict[str, Any], traceparent: str | None = None
) -> dict[str, Any]:
    config = app[CONFIG]
    if not config.webhook_url:
        raise web.HTTPConflict(text="the sandbox has no webhook_url configured")
    body = encode(payload)
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: sign(body, config.app_secret),
        LEGACY_SIGNATURE_HEADER: sign_sha1(body, config.app_secret),
        "User-Agent": "facebookexternalua",
    }
    if traceparent:
        headers["traceparent"] = traceparent
    try:
        async with app[SESSION].post(config.webhook_url, data=body, headers=headers) as resp:
            text = await resp.text()
            status = resp.status
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise web.HTTPBadGateway(text=f"webhook unreachable: {exc!r}") from exc
    try:
        answer: Any = json.loads(text)
    except ValueError:
        answer = text
    return {"webhook_status": status, "webhook_body": answer}


async def _json_object(request: web.Request) -> dict[str, Any]:
    try:
        data = await request.json() if request.can_read_body else {}
    except ValueError as exc:
        raise web.HTTPBadRequest(text="body must be JSON") from exc
    if not isinstance(data, dict):
        raise web.HTTPBadRequest(text="body must be a JSON object")
    return data


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
    app.router.add_post("/_sandbox/faults", add_fault)
    app.router.add_get("/_sandbox/faults", list_faults)
    app.router.add_delete("/_sandbox/faults", clear_faults)
    app.router.add_post("/_sandbox/phone/send", phone_send)
    app.router.add_post("/_sandbox/phone/status", phone_status)
    app.router.add_post("/_sandbox/webhook/verify", verify_webhook)
    app.router.add_get("/healthz", healthz)
    return app
