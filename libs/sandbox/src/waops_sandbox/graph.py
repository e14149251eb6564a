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

# Limits of interactive messages, from the Cloud API reference (reply buttons, list messages).
MAX_BUTTONS = 3
BUTTON_TITLE_LIMIT = 20
BUTTON_ID_LIMIT = 256
LIST_BUTTON_LIMIT = 20
MAX_LIST_ROWS = 10
MAX_LIST_SECTIONS = 10
ROW_TITLE_LIMIT = 24
ROW_DESCRIPTION_LIMIT = 72
INTERACTIVE_BODY_LIMIT = 1024
HEADER_FOOTER_LIMIT = 60
TEMPLATE_COMPONENT_TYPES = ("header", "body", "button", "footer")
TEMPLATE_PARAMETER_TYPES = (
    "text",
    "currency",
    "date_time",
    "image",
    "document",
    "video",
    "location",
    "payload",
    "coupon_code",
    "action",
)

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


def outside_window() -> GraphError:
    """A free-form message to someone who has not written in 24 hours (131047)."""
    return GraphError(
        400,
        131047,
        "(#131047) Re-engagement message",
        details="Message failed to send because more than 24 hours have passed since the "
        "customer last replied to this number.",
    )


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
    opaque = payload.get("biz_opaque_callback_data")
    if opaque is not None and (not isinstance(opaque, str) or len(opaque) > 512):
        raise invalid_parameter("Param biz_opaque_callback_data must be a string of 512 or less.")
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
        _check_template(content)
    elif kind == "interactive":
        body = _check_interactive(content)
    elif kind in MEDIA_TYPES:
        _check_media(kind, content)
        body = content.get("caption") if isinstance(content.get("caption"), str) else None
    return {"type": kind, "to": to, "body": body}


def send_success(to: str, wamid: str) -> dict[str, Any]:
    """The Cloud API's answer to an accepted send."""
    return {
        "messaging_product": "whatsapp",
        "contacts": [{"input": to, "wa_id": digits(to)}],
        "messages": [{"id": wamid}],
    }


def _text_field(value: Any, name: str, limit: int, *, required: bool = True) -> str | None:
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value:
        raise invalid_parameter(f"Param {name} is required.")
    if len(value) > limit:
        raise invalid_parameter(f"Param {name} must be at most {limit} characters long.")
    return value


def _check_media(kind: str, content: dict[str, Any]) -> None:
    has_id, has_link = isinstance(content.get("id"), str), isinstance(content.get("link"), str)
    if has_id == has_link:  # exactly one of them
        raise invalid_parameter(f"Param {kind} must have either an id or a link.")
    if has_link and not str(content["link"]).startswith(("http://", "https://")):
        raise invalid_parameter(f"Param {kind}['link'] must be an http(s) URL.")
    if kind in ("audio", "sticker") and "caption" in content:
        raise invalid_parameter(f"Param {kind} does not take a caption.")


def _check_template(content: dict[str, Any]) -> None:
    language = content.get("language")
    if not isinstance(content.get("name"), str) or not (
        isinstance(language, dict) and isinstance(language.get("code"), str)
    ):
        raise invalid_parameter(
            "Params template['name'] and template['language']['code'] are required."
        )
    components = content.get("components", [])
    if not isinstance(components, list):
        raise invalid_parameter("Param template['components'] must be an array.")
    for component in components:
        if not isinstance(component, dict) or component.get("type") not in (
            TEMPLATE_COMPONENT_TYPES
        ):
            raise invalid_parameter(
                "Param template['components'][]['type'] must be one of "
                f"{{{', '.join(TEMPLATE_COMPONENT_TYPES)}}}."
            )
        if component["type"] == "button" and (
            not isinstance(component.get("sub_type"), str) or "index" not in component
        ):
            raise invalid_parameter("A button component needs sub_type and index.")
        parameters = component.get("parameters", [])
        if not isinstance(parameters, list):
            raise invalid_parameter(
                "Param template['components'][]['parameters'] must be an array."
            )
        for parameter in parameters:
            kind = parameter.get("type") if isinstance(parameter, dict) else None
            if kind not in TEMPLATE_PARAMETER_TYPES:
                raise invalid_parameter("Each template parameter needs a known type.")
            if parameter.get(kind) in (None, ""):
                raise invalid_parameter(f"A template parameter of type {kind} needs {kind}.")


def _check_interactive(content: dict[str, Any]) -> str:
    """Reply buttons and list messages; returns the body text."""
    kind = content.get("type")
    if kind not in ("button", "list"):
        raise invalid_parameter("Param interactive['type'] must be one of {button, list}.")
    body = content.get("body")
    text = _text_field(
        body.get("text") if isinstance(body, dict) else None,
        "interactive['body']['text']",
        INTERACTIVE_BODY_LIMIT if kind == "button" else TEXT_BODY_LIMIT,
    )
    header = content.get("header")
    if header is not None:
        if not isinstance(header, dict) or header.get("type") not in (
            "text",
            "image",
            "video",
            "document",
        ):
            raise invalid_parameter("Param interactive['header']['type'] is invalid.")
        if header["type"] == "text":
            _text_field(header.get("text"), "interactive['header']['text']", HEADER_FOOTER_LIMIT)
        elif kind == "list":
            raise invalid_parameter("A list message header can only be text.")
    footer = content.get("footer")
    if footer is not None:
        _text_field(
            footer.get("text") if isinstance(footer, dict) else None,
            "interactive['footer']['text']",
            HEADER_FOOTER_LIMIT,
        )
    action = content.get("action")
    if not isinstance(action, dict):
        raise invalid_parameter("Param interactive['action'] is required.")
    if kind == "button":
        _check_buttons(action.get("buttons"))
    else:
        _check_sections(action)
    assert text is not None
    return text


def _check_buttons(buttons: Any) -> None:
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= MAX_BUTTONS:
        raise invalid_parameter(
            f"Param interactive['action']['buttons'] must have 1 to {MAX_BUTTONS} buttons."
        )
    ids, titles = set(), set()
    for button in buttons:
        reply = button.get("reply") if isinstance(button, dict) else None
        if button.get("type") != "reply" or not isinstance(reply, dict):
            raise invalid_parameter("Each button must be of type reply with a reply object.")
        ids.add(_text_field(reply.get("id"), "button['reply']['id']", BUTTON_ID_LIMIT))
        titles.add(_text_field(reply.get("title"), "button['reply']['title']", BUTTON_TITLE_LIMIT))
    if len(ids) != len(buttons) or len(titles) != len(buttons):
        raise invalid_parameter("Button ids and titles must be unique.")


def _check_sections(action: dict[str, Any]) -> None:
    _text_field(action.get("button"), "interactive['action']['button']", LIST_BUTTON_LIMIT)
    sections = action.get("sections")
    if not isinstance(sections, list) or not 1 <= len(sections) <= MAX_LIST_SECTIONS:
        raise invalid_parameter(
            f"Param interactive['action']['sections'] must have 1 to {MAX_LIST_SECTIONS} sections."
        )
    ids: set[str | None] = set()
    rows_seen = 0
    for section in sections:
        rows = section.get("rows") if isinstance(section, dict) else None
        if not isinstance(rows, list) or not rows:
            raise invalid_parameter("Each section needs at least one row.")
        if len(sections) > 1:  # a title is required once there is more than one section
            _text_field(section.get("title"), "section['title']", ROW_TITLE_LIMIT)
        for row in rows:
            if not isinstance(row, dict):
                raise invalid_parameter("Each row must be an object.")
            ids.add(_text_field(row.get("id"), "row['id']", 200))
            _text_field(row.get("title"), "row['title']", ROW_TITLE_LIMIT)
            _text_field(
                row.get("description"), "row['description']", ROW_DESCRIPTION_LIMIT, required=False
            )
            rows_seen += 1
    if rows_seen > MAX_LIST_ROWS:
        raise invalid_parameter(f"A list message has at most {MAX_LIST_ROWS} rows in all.")
    if len(ids) != rows_seen:
        raise invalid_parameter("Row ids must be unique.")
