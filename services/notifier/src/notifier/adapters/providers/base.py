"""The provider seam: what the notifier needs from any WhatsApp provider, and how failures
are told apart.

Every provider (Meta Cloud API, 360dialog, Twilio; the sandbox speaks all three) offers the
same operations: send any outbound ``Content`` (text, media by link or uploaded id, template
with components, interactive buttons or list, mark-as-read), upload media and fetch media.
A refused request raises ``ProviderError`` whose ``action`` comes from that provider's
decision table (``notifier.domain.decisions``): ``retry``, ``drop`` or ``halt``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from notifier.domain.content import (
    Button,
    Buttons,
    Content,
    ListMessage,
    MarkRead,
    Media,
    MediaType,
    Section,
    Template,
    TemplateComponent,
    Text,
)
from notifier.domain.decisions import Decision, decide_meta

Action = Decision


def classify(code: int | None, http_status: int | None) -> Action:
    """Meta's decision table (kept under its first name for existing callers)."""
    return decide_meta(code, http_status)


class ProviderError(Exception):
    """A request that failed; ``action`` says what the dispatcher must do about it.

    ``ProviderError.of(...)`` (or the base class itself) decides by code and status with a
    provider's table (Meta's by default); the subclasses pin the action.
    """

    fixed_action: Action | None = None

    def __init__(
        self,
        code: int | None,
        title: str,
        *,
        http_status: int | None = None,
        action: Action | None = None,
        details: str | None = None,
        trace_id: str | None = None,
    ) -> None:
        super().__init__(f"{title} (code {code})" if code is not None else title)
        self.code = code
        self.title = title
        self.http_status = http_status
        self.action: Action = action or self.fixed_action or classify(code, http_status)
        self.details = details
        self.trace_id = trace_id  # the provider's request id (Meta's fbtrace_id, Twilio's)

    @staticmethod
    def of(
        code: int | None,
        title: str,
        *,
        http_status: int | None = None,
        details: str | None = None,
        trace_id: str | None = None,
        decide: Callable[[int | None, int | None], Action] = classify,
    ) -> ProviderError:
        """The error of the subclass matching ``code`` / ``http_status`` under ``decide``."""
        cls = _BY_ACTION[decide(code, http_status)]
        return cls(code, title, http_status=http_status, details=details, trace_id=trace_id)


class TransientProviderError(ProviderError):
    fixed_action: Action | None = "retry"


class PermanentProviderError(ProviderError):
    fixed_action: Action | None = "drop"


class FatalProviderError(ProviderError):
    fixed_action: Action | None = "halt"


_BY_ACTION: dict[Action, type[ProviderError]] = {
    "retry": TransientProviderError,
    "drop": PermanentProviderError,
    "halt": FatalProviderError,
}


@dataclass(frozen=True)
class SendResult:
    provider_message_id: str
    status: str = "sent"  # what the provider said at once (Twilio: "queued")


@dataclass(frozen=True)
class MediaFile:
    data: bytes
    mime_type: str | None
    filename: str | None = None


@runtime_checkable
class WhatsAppProvider(Protocol):
    name: str

    async def send(
        self, to_phone: str, content: Content, *, reference: str | None = None
    ) -> SendResult:
        """Send one message (or mark one read); raise ``ProviderError`` when refused.

        ``reference`` (the outbound message's id) travels with the send and comes back in
        the provider's status webhooks, so a send whose answer was lost can be recognised."""
        ...

    async def send_text(self, to_phone: str, body: str) -> SendResult: ...

    async def upload_media(self, data: bytes, mime_type: str, filename: str | None = None) -> str:
        """Upload a file; the provider's media id, for ``Media(media_id=...)``."""
        ...

    async def fetch_media(self, media_id: str) -> MediaFile:
        """Download a media the provider holds (an inbound attachment, an upload)."""
        ...


class ProviderBase:
    """Named operations over ``send``, shared by every provider."""

    name: str = "?"

    async def send(
        self, to_phone: str, content: Content, *, reference: str | None = None
    ) -> SendResult:
        raise NotImplementedError

    async def send_text(self, to_phone: str, body: str) -> SendResult:
        return await self.send(to_phone, Text(body=body))

    async def send_media(
        self,
        to_phone: str,
        media_type: MediaType,
        *,
        link: str | None = None,
        media_id: str | None = None,
        caption: str | None = None,
        filename: str | None = None,
    ) -> SendResult:
        media = Media(
            media_type=media_type, link=link, media_id=media_id, caption=caption, filename=filename
        )
        return await self.send(to_phone, media)

    async def send_template(
        self,
        to_phone: str,
        name: str,
        language: str,
        components: tuple[TemplateComponent, ...] = (),
        content_sid: str | None = None,
    ) -> SendResult:
        template = Template(
            name=name, language=language, components=components, content_sid=content_sid
        )
        return await self.send(to_phone, template)

    async def send_buttons(
        self, to_phone: str, body: str, buttons: tuple[Button, ...], **extra: str | None
    ) -> SendResult:
        return await self.send(to_phone, Buttons(body=body, buttons=buttons, **extra))

    async def send_list(
        self,
        to_phone: str,
        body: str,
        button: str,
        sections: tuple[Section, ...],
        **extra: str | None,
    ) -> SendResult:
        return await self.send(
            to_phone, ListMessage(body=body, button=button, sections=sections, **extra)
        )

    async def mark_read(self, message_id: str) -> SendResult:
        return await self.send("", MarkRead(message_id=message_id))
