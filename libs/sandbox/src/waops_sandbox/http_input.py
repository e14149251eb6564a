"""What the sandbox reads off a request or a webhook's answer, the same way in every module:
a JSON object body (a clear 400 otherwise), HTTP Basic credentials, an answer that may or may
not be JSON."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from aiohttp import web


async def json_object(request: web.Request) -> dict[str, Any]:
    """The body as a JSON object (an empty body is ``{}``); 400 when it is not one."""
    try:
        data = await request.json() if request.can_read_body else {}
    except ValueError as exc:
        raise web.HTTPBadRequest(text="body must be JSON") from exc
    if not isinstance(data, dict):
        raise web.HTTPBadRequest(text="body must be a JSON object")
    return data


def json_or_text(text: str) -> Any:
    """An answer's body, parsed when it is JSON and as it came when it is not."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def basic_credentials(request: web.Request) -> tuple[str, str] | None:
    """The (user, password) of an ``Authorization: Basic`` header, or None."""
    header = request.headers.get("Authorization", "")
    if header[:6].lower() != "basic ":
        return None
    try:
        user, _, password = base64.b64decode(header[6:].strip()).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return user, password
