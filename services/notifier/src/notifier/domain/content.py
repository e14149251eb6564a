"""What the notifier sends, in the business's words, whatever the provider.

One outbound message model: text, media (by public link or by a provider media id), an
approved template with its components, interactive reply buttons, an interactive list, and
mark-as-read. Each provider renders it to its own wire format (Cloud API JSON, Twilio form
fields). Stored as JSON on the outbound row (``content``) so the dispatcher can send any kind.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, model_validator
from waops_contracts.limits import MAX_MESSAGE_CHARS

MediaType = Literal["image", "audio", "video", "document", "sticker"]


class _Part(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Text(_Part):
    kind: Literal["text"] = "text"
    body: str = Field(min_length=1, max_length=MAX_MESSAGE_CHARS)
    preview_url: bool = False


class Media(_Part):
    kind: Literal["media"] = "media"
    media_type: MediaType
    link: str | None = None  # a public http(s) URL the provider downloads
    media_id: str | None = None  # an id from the provider's media upload
    caption: str | None = None
    filename: str | None = None  # documents only

    @model_validator(mode="after")
    def _one_source(self) -> Media:
        if (self.link is None) == (self.media_id is None):
            raise ValueError("a media message needs exactly one of link or media_id")
        if self.caption is not None and self.media_type in ("audio", "sticker"):
            raise ValueError(f"{self.media_type} takes no caption")
        return self


class TemplateParameter(_Part):
    """One value of a template component: text, or a header's media by link, or a
    quick-reply button's payload."""

    type: Literal["text", "image", "video", "document", "payload"] = "text"
    text: str | None = None
    link: str | None = None
    payload: str | None = None

    @model_validator(mode="after")
    def _has_value(self) -> TemplateParameter:
        needed = {"text": self.text, "payload": self.payload}.get(self.type, self.link)
        if not needed:
            raise ValueError(f"a {self.type} parameter needs its value")
        return self


class TemplateComponent(_Part):
    type: Literal["header", "body", "button"]
    parameters: tuple[TemplateParameter, ...] = ()
    sub_type: Literal["quick_reply", "url"] | None = None  # buttons only
    index: int | None = None  # buttons only: which of the template's buttons

    @model_validator(mode="after")
    def _button_fields(self) -> TemplateComponent:
        if self.type == "button" and (self.sub_type is None or self.index is None):
            raise ValueError("a button component needs sub_type and index")
        return self


class Template(_Part):
    kind: Literal["template"] = "template"
    name: str = Field(min_length=1)
    language: str = "en"
    components: tuple[TemplateComponent, ...] = ()
    # Twilio sends templates through its Content API: the approved content's sid (HX…).
    content_sid: str | None = None

    def variables(self) -> dict[str, str]:
        """Twilio's ContentVariables: every text parameter, numbered from 1 in order
        (header, then body, then buttons), as the Content API numbers placeholders."""
        values = [
            p.text or p.payload or p.link or ""
            for c in self.components
            for p in c.parameters
            if p.type in ("text", "payload")
        ]
        return {str(i): v for i, v in enumerate(values, start=1)}


class Button(_Part):
    id: str = Field(min_length=1, max_length=256)
    title: str = Field(min_length=1, max_length=20)


class Buttons(_Part):
    """Interactive reply buttons: up to three choices under a body text."""

    kind: Literal["buttons"] = "buttons"
    body: str = Field(min_length=1, max_length=1024)
    buttons: tuple[Button, ...] = Field(min_length=1, max_length=3)
    header: str | None = Field(default=None, max_length=60)
    footer: str | None = Field(default=None, max_length=60)
    content_sid: str | None = None  # Twilio: an approved quick-reply content, if any


class Row(_Part):
    id: str = Field(min_length=1, max_length=200)
    title: str = Field(min_length=1, max_length=24)
    description: str | None = Field(default=None, max_length=72)


class Section(_Part):
    title: str | None = Field(default=None, max_length=24)
    rows: tuple[Row, ...] = Field(min_length=1)


class ListMessage(_Part):
    """An interactive list: a button that opens up to ten rows in sections."""

    kind: Literal["list"] = "list"
    body: str = Field(min_length=1, max_length=4096)
    button: str = Field(min_length=1, max_length=20)
    sections: tuple[Section, ...] = Field(min_length=1, max_length=10)
    header: str | None = Field(default=None, max_length=60)
    footer: str | None = Field(default=None, max_length=60)
    content_sid: str | None = None  # Twilio: an approved list-picker content, if any

    @model_validator(mode="after")
    def _at_most_ten_rows(self) -> ListMessage:
        if sum(len(s.rows) for s in self.sections) > 10:
            raise ValueError("a list has at most 10 rows in all")
        if len(self.sections) > 1 and any(not s.title for s in self.sections):
            raise ValueError("every section needs a title when there are several")
        return self


class MarkRead(_Part):
    """Mark a message the customer sent as read (blue ticks)."""

    kind: Literal["mark_read"] = "mark_read"
    message_id: str = Field(min_length=1)


Content = Annotated[
    Text | Media | Template | Buttons | ListMessage | MarkRead, Field(discriminator="kind")
]
_CONTENT: TypeAdapter[Content] = TypeAdapter(Content)


def parse_content(data: Any) -> Content:
    return _CONTENT.validate_python(data)


def summary(content: Content) -> str:
    """Readable text of a message, for the outbound row, events and logs."""
    match content:
        case Text(body=body) | Buttons(body=body) | ListMessage(body=body):
            return body
        case Media(media_type=kind, caption=caption):
            return caption or f"[{kind}]"
        case Template(name=name, components=components):
            values = [p.text for c in components for p in c.parameters if p.text]
            return f"[template {name}] " + " | ".join(values) if values else f"[template {name}]"
        case MarkRead(message_id=message_id):
            return f"[read {message_id}]"
    raise AssertionError(content)  # pragma: no cover - the union is exhaustive


def numbered_choices(content: Buttons | ListMessage) -> str:
    """Buttons or a list as plain text, for a provider with no free-form interactive
    messages (Twilio without a Content API sid): the choices numbered, to answer by number."""
    lines = [content.header] if content.header else []
    lines.append(content.body)
    lines.append("")
    if isinstance(content, Buttons):
        lines += [f"{i}. {b.title}" for i, b in enumerate(content.buttons, start=1)]
    else:
        n = 0
        for section in content.sections:
            if section.title:
                lines.append(f"*{section.title}*")
            for row in section.rows:
                n += 1
                extra = f" — {row.description}" if row.description else ""
                lines.append(f"{n}. {row.title}{extra}")
    lines.append("")
    lines.append("Reply with the number of your choice.")
    if content.footer:
        lines.append(content.footer)
    return "\n".join(lines)
