"""What the Graph API answers: its error bodies and its checks on a send-message request.

Kept apart from the HTTP routes so the shapes are easy to compare with Meta's reference:
errors are ``{"error": {"message", "type", "code", "error_subcode"?, "error_data"?,
"fbtrace_id"}}`` and a client must act on ``code`` (not on the HTTP status alone).
"""

from __future__ import annotations

import secrets
import string
from typing import Any

from waops_sandbox.meta_payloads import digits

TEXT_BODY_LIMIT = 4096
MEDIA_TYPES = ("image", "audio", "video", "document", "sticker")
SUPPORTED_TYPES = ("text", "template", "interactive", "reaction", "location", *MEDIA_TYPES)

# Titles Meta uses for the codes the sandbox can be told to fail with.
ERROR_TITLES: dict[int, str] = {
    1: "An unknown error occurred",
    2: "Service temporarily unavailable",
    4: "Application request limit reached",
    100: "Invalid parameter",
    190: "Invalid OAuth access token.",
    368: "Temporarily blocked for policies violations",
    80007: "Rate limit issues",
    130429: "Rate limit hit",
    131026: "Message undeliverable",
    131047: "Re-engagement message",
    131056: "(Business Account, Consumer Account) pair rate limit hit",
    132000: "Number of parameters does not match the expected number of params",
    132001: "Template name does not exist in the translation",
}

_ALPHABET = string.ascii_letters + string.digits


class GraphError(Exception):
    """A Graph API error response: HTTP status plus the JSON error object."""

    def __init__(
        self,
        status: int,
        code: int,
        message: str,
        *,
        type_: str = "OAuthException",
        subcode: int | None = None,
        details: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.type = type_
        self.subcode = subcode
        self.details = details

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"message": self.message, "type": self.type, "code": self.code}
        if self.details is not None:
            error["error_data"] = {"messaging_product": "whatsapp", "details": self.details}
        if self.subcode is not None:
            error["error_subcode"] = self.subcode
        error["fbtrace_id"] = fbtrace_id()
        return {"error": error}


def fbtrace_id() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(23))


def invalid_token() -> GraphError:
    return GraphError(401, 190, "Invalid OAuth access token.")


def unknown_object(object_id: str) -> GraphError:
    return GraphError(
        400,
        100,
        f"Unsupported post request. Object with ID '{object_id}' does not exist, cannot be "
        "loaded due to missing permissions, or does not support this operation.",
        type_="GraphMethodException",
        subcode=33,
    )


def invalid_parameter(details: str) -> GraphError:
    return GraphError(400, 100, "(#100) Invalid parameter", details=details)


def error_for_code(code: int, status: int | None = None) -> GraphError:
    """The error Meta would answer with for ``code`` (used by fault injection)."""
    if status is None:
        status = 401 if code == 190 else 500 if code in (1, 2) else 400
    title = ERROR_TITLES.get(code, "Error")
    message = title if code in (1, 2, 190) else f"(#{code}) {title}"
    return GraphError(status, code, message, details=title)


def validate_send(payload: Any) -> dict[str, Any]:
    """Check a ``/messages`` request body like the Graph API does; return a summary
    (type, to, body text) or raise ``GraphError`` (code 100)."""
    if not isinstance(payload, dict):
        raise invalid_parameter("The request body must be a JSON object.")
    if payload.get("messaging_product") != "whatsapp":
        raise invalid_parameter("The parameter messaging_product is required.")
    if payload.get("status") == "read":  # mark-as-read shares the endpoint
        if not isinstance(payload.get("message_id"), str):
            raise invalid_parameter("The parameter message_id is required.")
        return {"type": "read", "to": None, "body": None}
    recipient_type = payload.get("recipient_type", "individual")
    if recipient_type != "individual":
        raise invalid_parameter("Param recipient_type must be one of {individual}.")
    to = payload.get("to")
    if not isinstance(to, str) or not digits(to):
        raise invalid_parameter("The parameter to is required.")
    kind = payload.get("type", "text")  # the Cloud API defaults type to text
    if kind not in SUPPORTED_TYPES:
        raise invalid_parameter(f"Param type must be one of {{{', '.join(SUPPORTED_TYPES)}}}.")
    content = payload.get(kind)
    if not isinstance(content, dict):
        raise invalid_parameter(f"The parameter {kind} is required.")
    body: str | None = None
    if kind == "text":
        body = content.get("body")
        if not isinstance(body, str) or not body:
            raise invalid_parameter("Param text['body'] is required.")
        if len(body) > TEXT_BODY_LIMIT:
            raise invalid_parameter(
                f"Param text['body'] must be at most {TEXT_BODY_LIMIT} characters long."
            )
        if "preview_url" in content and not isinstance(content["preview_url"], bool):
            raise invalid_parameter("Param text['preview_url'] must be a boolean.")
    elif kind == "template":
        language = content.get("language")
        if not isinstance(content.get("name"), str) or not (
            isinstance(language, dict) and isinstance(language.get("code"), str)
        ):
            raise invalid_parameter(
                "Params template['name'] and template['language']['code'] are required."
            )
    elif kind in MEDIA_TYPES:
        if not (isinstance(content.get("id"), str) or isinstance(content.get("link"), str)):
            raise invalid_parameter(f"Param {kind} must have an id or a link.")
    return {"type": kind, "to": to, "body": body}


def send_success(to: str, wamid: str) -> dict[str, Any]:
    """The Cloud API's answer to an accepted send."""
    return {
        "messaging_product": "whatsapp",
        "contacts": [{"input": to, "wa_id": digits(to)}],
        "messages": [{"id": wamid}],
    }
