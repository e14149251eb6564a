"""Twilio's Messages API, as the sandbox plays it for WhatsApp senders.

``POST /2010-04-01/Accounts/{AccountSid}/Messages.json``: HTTP basic auth (account sid and
auth token), form-encoded ``From``/``To`` (``whatsapp:+E164``), ``Body``, ``MediaUrl``
(repeatable), ``ContentSid`` + ``ContentVariables`` (a JSON object of template variables),
``StatusCallback``. Accepted: ``201`` with the Message resource (``sid`` "SM…", ``status``
"queued"). Refused: Twilio's error body ``{"code", "message", "more_info", "status"}``.
"""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import TYPE_CHECKING, Any

from aiohttp import web

from waops_sandbox.faults import MISBEHAVIOUR, Fault
from waops_sandbox.http_input import basic_credentials
from waops_sandbox.meta_payloads import digits
from waops_sandbox.window import WINDOW

if TYPE_CHECKING:
    from waops_sandbox.app import SandboxConfig

API_VERSION = "2010-04-01"
BODY_LIMIT = 1600  # Twilio's limit on a concatenated message body
WHATSAPP_PREFIX = "whatsapp:"

# Messages of the codes the sandbox answers with (Twilio's error dictionary).
ERROR_MESSAGES: dict[int, str] = {
    20003: "Authenticate",
    20404: "The requested resource was not found",
    20429: "Too Many Requests",
    20500: "Internal Server Error",
    20503: "Service Unavailable",
    21211: "Invalid 'To' Phone Number",
    21602: "Message body is required.",
    21603: "A 'From' phone number is required.",
    21604: "A 'To' phone number is required.",
    21609: "Invalid StatusCallback",
    21617: "The concatenated message body exceeds the 1600 character limit.",
    21620: "Invalid media URL(s)",
    21656: "The ContentVariables Parameter is invalid.",
    63007: "Twilio could not find a Channel with the specified From address",
    63016: (
        "Failed to send freeform message because you are outside the allowed window. "
        "If you are using WhatsApp, please use a Message Template."
    ),
    63018: "Rate limit exceeded for Channel",
    63112: "The Meta Business Manager account has been disabled.",
}
_STATUS_OF: dict[int, int] = {20003: 401, 20404: 404, 20429: 429, 20500: 500, 20503: 503}
_CODE_OF_STATUS: dict[int, int] = {401: 20003, 404: 20404, 429: 20429, 503: 20503}


class TwilioError(Exception):
    def __init__(self, code: int, status: int | None = None, message: str | None = None) -> None:
        self.code = code
        self.status = status or _STATUS_OF.get(code, 400)
        self.message = message or ERROR_MESSAGES.get(code, "Error")
        super().__init__(self.message)

    def response(self) -> web.Response:
        body = {
            "code": self.code,
            "message": self.message,
            "more_info": f"https://www.twilio.com/docs/errors/{self.code}",
            "status": self.status,
        }
        return web.json_response(body, status=self.status)


def fault_error(fault: Fault) -> TwilioError:
    if fault.error_code is not None:
        return TwilioError(fault.error_code, fault.status)
    status = fault.status or 500
    return TwilioError(_CODE_OF_STATUS.get(status, 20500 if status >= 500 else 21211), status)


def new_sid(prefix: str = "SM") -> str:
    return prefix + secrets.token_hex(16)


def _whatsapp_address(value: str | None, missing: int, invalid: int) -> str:
    if not value:
        raise TwilioError(missing)
    if not value.startswith(WHATSAPP_PREFIX):
        raise TwilioError(invalid)
    number = value[len(WHATSAPP_PREFIX) :]
    if (
        not number.startswith("+")
        or not 8 <= len(digits(number)) <= 15
        or digits(number) != number[1:]
    ):
        raise TwilioError(invalid)
    return number


def validate_message(form: dict[str, list[str]], config: SandboxConfig) -> dict[str, Any]:
    """Check a create-message request like Twilio does; the parts of it the sandbox keeps."""

    def one(name: str) -> str | None:
        values = form.get(name)
        return values[0] if values else None

    to = _whatsapp_address(one("To"), 21604, 21211)
    sender = _whatsapp_address(one("From"), 21603, 63007)
    if digits(sender) != digits(config.twilio_whatsapp_number):
        raise TwilioError(63007)
    body, media = one("Body"), form.get("MediaUrl", [])
    content_sid, variables = one("ContentSid"), one("ContentVariables")
    if variables is not None:
        try:
            parsed = json.loads(variables)
        except ValueError:
            parsed = None
        if not isinstance(parsed, dict) or content_sid is None:
            raise TwilioError(21656)
    if content_sid is not None and not content_sid.startswith("HX"):
        raise TwilioError(21656, message="The ContentSid is invalid.")
    if not (body or media or content_sid):
        raise TwilioError(21602)
    if body and len(body) > BODY_LIMIT:
        raise TwilioError(21617)
    if any(not url.startswith(("http://", "https://")) for url in media):
        raise TwilioError(21620)
    callback = one("StatusCallback")
    if callback is not None and not callback.startswith(("http://", "https://")):
        raise TwilioError(21609)
    kind = "template" if content_sid else "media" if media else "text"
    return {
        "to": to,
        "from": sender,
        "type": kind,
        "body": body,
        "media_urls": media,
        "content_sid": content_sid,
        "content_variables": json.loads(variables) if variables else None,
        "status_callback": callback,
    }


def message_resource(account_sid: str, sid: str, message: dict[str, Any]) -> dict[str, Any]:
    """The Message resource Twilio answers a create with."""
    now = format_datetime(datetime.now(UTC), usegmt=True)
    uri = f"/{API_VERSION}/Accounts/{account_sid}/Messages/{sid}"
    return {
        "account_sid": account_sid,
        "api_version": API_VERSION,
        "body": message["body"] or "",
        "date_created": now,
        "date_sent": None,
        "date_updated": now,
        "direction": "outbound-api",
        "error_code": None,
        "error_message": None,
        "from": WHATSAPP_PREFIX + message["from"],
        "messaging_service_sid": None,
        "num_media": str(len(message["media_urls"])),
        "num_segments": "1",
        "price": None,
        "price_unit": None,
        "sid": sid,
        "status": "queued",
        "subresource_uris": {"media": f"{uri}/Media.json"},
        "to": WHATSAPP_PREFIX + message["to"],
        "uri": f"{uri}.json",
    }


def install(app: web.Application, config: SandboxConfig) -> None:
    async def create_message(request: web.Request) -> web.Response:
        misbehaviour = request.app[MISBEHAVIOUR]
        if (fault := await misbehaviour.fault_for("twilio")) is not None:
            return fault_error(fault).response()
        if basic_credentials(request) != (config.twilio_account_sid, config.twilio_auth_token):
            return TwilioError(20003).response()
        account_sid = request.match_info["account_sid"]
        if account_sid != config.twilio_account_sid:
            return TwilioError(20404).response()
        form: dict[str, list[str]] = {}
        for key, value in (await request.post()).items():
            if isinstance(value, str):
                form.setdefault(key, []).append(value)
        try:
            message = validate_message(form, config)
        except TwilioError as exc:
            return exc.response()
        if request.app[WINDOW].refuses("twilio", message["to"], message["type"]):
            return TwilioError(63016).response()
        sid = new_sid()
        misbehaviour.record(
            request.app,
            {
                "id": sid,
                "provider": "twilio",
                "to": digits(message["to"]),
                "type": message["type"],
                "body": message["body"],
                "request": {
                    key: values if key == "MediaUrl" else values[0] for key, values in form.items()
                },
                "traceparent": request.headers.get("traceparent"),
                "received_at": datetime.now(UTC).isoformat(),
                "status_callback": message["status_callback"],
                "content_sid": message["content_sid"],
                "content_variables": message["content_variables"],
                "media_urls": message["media_urls"],
            },
        )
        return web.json_response(message_resource(account_sid, sid, message), status=201)

    app.router.add_post(f"/{API_VERSION}/Accounts/{{account_sid}}/Messages.json", create_message)
