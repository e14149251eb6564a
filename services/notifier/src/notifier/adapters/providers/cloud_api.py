"""The WhatsApp Cloud API's wire format, shared by Meta and 360dialog (which relays it).

``render`` turns an outbound ``Content`` into the ``/messages`` JSON body (Cloud API
reference: text, image/audio/video/document/sticker by ``link`` or ``id``, ``template`` with
``components``/``parameters``, ``interactive`` of type ``button`` or ``list``, and mark-as-read
``{"messaging_product": "whatsapp", "status": "read", "message_id": ...}``). Errors come as
``{"error": {"code", "message", "error_data": {"details"}, "fbtrace_id"}}``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import aiohttp
from waops_contracts import phone_key

from notifier.adapters.providers.base import (
    Action,
    MediaFile,
    PermanentProviderError,
    ProviderBase,
    ProviderError,
    SendResult,
    TransientProviderError,
)
from notifier.adapters.providers.http import Answer, exchange
from notifier.domain.content import (
    Buttons,
    Content,
    ListMessage,
    MarkRead,
    Media,
    Template,
    TemplateComponent,
    TemplateParameter,
    Text,
)


def render(to_phone: str, content: Content) -> dict[str, Any]:
    """The Cloud API request body for one message."""
    if isinstance(content, MarkRead):
        return {"messaging_product": "whatsapp", "status": "read", "message_id": content.message_id}
    to = phone_key(to_phone)[1:]  # WhatsApp ids are the digits, without the '+'
    if not to:
        raise PermanentProviderError(None, f"recipient {to_phone!r} has no digits")
    head = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to}
    match content:
        case Text():
            return {
                **head,
                "type": "text",
                "text": {"preview_url": content.preview_url, "body": content.body},
            }
        case Media():
            media: dict[str, Any] = (
                {"link": content.link} if content.link else {"id": content.media_id}
            )
            if content.caption:
                media["caption"] = content.caption
            if content.filename and content.media_type == "document":
                media["filename"] = content.filename
            return {**head, "type": content.media_type, content.media_type: media}
        case Template():
            template: dict[str, Any] = {
                "name": content.name,
                "language": {"code": content.language},
            }
            if content.components:
                template["components"] = [_component(c) for c in content.components]
            return {**head, "type": "template", "template": template}
        case Buttons():
            buttons = [
                {"type": "reply", "reply": {"id": b.id, "title": b.title}} for b in content.buttons
            ]
            return {
                **head,
                "type": "interactive",
                "interactive": _interactive(content, "button", {"buttons": buttons}),
            }
        case ListMessage():
            sections = [
                {
                    **({"title": s.title} if s.title else {}),
                    "rows": [
                        {
                            "id": r.id,
                            "title": r.title,
                            **({"description": r.description} if r.description else {}),
                        }
                        for r in s.rows
                    ],
                }
                for s in content.sections
            ]
            action = {"button": content.button, "sections": sections}
            return {
                **head,
                "type": "interactive",
                "interactive": _interactive(content, "list", action),
            }
    raise AssertionError(content)  # pragma: no cover - the union is exhaustive


def _interactive(
    content: Buttons | ListMessage, kind: str, action: dict[str, Any]
) -> dict[str, Any]:
    interactive: dict[str, Any] = {"type": kind}
    if content.header:
        interactive["header"] = {"type": "text", "text": content.header}
    interactive["body"] = {"text": content.body}
    if content.footer:
        interactive["footer"] = {"text": content.footer}
    interactive["action"] = action
    return interactive


def _component(component: TemplateComponent) -> dict[str, Any]:
    out: dict[str, Any] = {"type": component.type}
    if component.type == "button":
        out["sub_type"] = component.sub_type
        out["index"] = str(component.index)
    out["parameters"] = [_parameter(p) for p in component.parameters]
    return out


def _parameter(parameter: TemplateParameter) -> dict[str, Any]:
    if parameter.type == "text":
        return {"type": "text", "text": parameter.text}
    if parameter.type == "payload":
        return {"type": "payload", "payload": parameter.payload}
    return {"type": parameter.type, parameter.type: {"link": parameter.link}}


def graph_error(
    answer: Answer, decide: Callable[[int | None, int | None], Action]
) -> ProviderError:
    body = answer.body.get("error") if isinstance(answer.body, dict) else None
    if not isinstance(body, dict):
        return ProviderError.of(
            None,
            f"HTTP {answer.status}: {answer.text[:200]}",
            http_status=answer.status,
            decide=decide,
        )
    code = body.get("code")
    data = body.get("error_data")
    return ProviderError.of(
        code if isinstance(code, int) else None,
        str(body.get("message") or f"HTTP {answer.status}"),
        http_status=answer.status,
        details=data.get("details") if isinstance(data, dict) else None,
        trace_id=body.get("fbtrace_id"),
        decide=decide,
    )


class CloudApiProvider(ProviderBase):
    """Sends and media through a Cloud API endpoint; subclasses say where and how to sign."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        timeout: float,
        decide: Callable[[int | None, int | None], Action],
    ) -> None:
        self._session = session
        self._timeout = timeout
        self._decide = decide

    # where the endpoints are and how requests are authorised: per provider
    def messages_url(self) -> str:
        raise NotImplementedError

    def media_upload_url(self) -> str:
        raise NotImplementedError

    def media_info_url(self, media_id: str) -> str:
        raise NotImplementedError

    def download_url(self, url: str) -> str:
        return url

    def auth_headers(self) -> dict[str, str]:
        raise NotImplementedError

    async def send(
        self, to_phone: str, content: Content, *, reference: str | None = None
    ) -> SendResult:
        payload = render(to_phone, content)
        if reference and not isinstance(content, MarkRead):
            # Echoed in every status webhook of this message (``statuses[].biz_opaque_callback_data``).
            payload["biz_opaque_callback_data"] = reference
        answer = await self._call("POST", self.messages_url(), json=payload)
        if isinstance(content, MarkRead):
            return SendResult(provider_message_id=content.message_id, status="read")
        try:
            return SendResult(provider_message_id=str(answer.body["messages"][0]["id"]))
        except (KeyError, IndexError, TypeError) as exc:
            # Accepted but unreadable: retrying may duplicate, dropping may lose; the
            # dispatcher's contract is at-least-once, so retry.
            raise TransientProviderError(
                None, "the Cloud API accepted the send without a message id", http_status=200
            ) from exc

    async def upload_media(self, data: bytes, mime_type: str, filename: str | None = None) -> str:
        form = aiohttp.FormData()
        form.add_field("messaging_product", "whatsapp")
        form.add_field("type", mime_type)
        form.add_field("file", data, content_type=mime_type, filename=filename or "upload")
        answer = await self._call("POST", self.media_upload_url(), data=form)
        media_id = answer.body.get("id") if isinstance(answer.body, dict) else None
        if not isinstance(media_id, str):
            raise TransientProviderError(
                None, "the media upload answered without an id", http_status=answer.status
            )
        return media_id

    async def fetch_media(self, media_id: str) -> MediaFile:
        """Two steps, as the Cloud API wants: the media's URL from its id, then the bytes
        from that URL with the same credentials."""
        info = (await self._call("GET", self.media_info_url(media_id))).body
        url = info.get("url") if isinstance(info, dict) else None
        if not isinstance(url, str):
            raise PermanentProviderError(None, f"media {media_id} has no url")
        answer = await self._call("GET", self.download_url(url), binary=True)
        return MediaFile(data=answer.raw, mime_type=info.get("mime_type") or answer.content_type)

    async def _call(self, method: str, url: str, *, binary: bool = False, **kwargs: Any) -> Answer:
        answer = await exchange(
            self._session,
            method,
            url,
            timeout=self._timeout,
            headers=self.auth_headers(),
            binary=binary,
            **kwargs,
        )
        if not answer.ok:
            raise graph_error(answer, self._decide)
        return answer
