"""WhatsApp's customer-service window: when a free-form message must go as a template.

A business may send free-form messages (text, media, interactive) to a person only within 24
hours of that person's last message to the number. Outside it only an approved template goes
through: Meta (and 360dialog, which relays it) refuses with 131047 "Re-engagement message",
Twilio with 63016. ``for_window`` decides, purely, what a queued message goes out as: as
queued, or the configured re-engagement template carrying the message's words as its one body
parameter. With no template configured for the provider it goes as queued (as before this
existed), and the provider's refusal is the operator's cue to set one up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from notifier.domain.content import (
    Buttons,
    Content,
    ListMessage,
    Media,
    Template,
    TemplateComponent,
    TemplateParameter,
    Text,
    numbered_choices,
)

# Meta's limits on a template's text parameter (132018 otherwise): no newline or tab, at most
# four spaces in a row; and at most 1024 characters.
PARAMETER_LIMIT = 1024
LINE_SEPARATOR = " · "

Outcome = Literal["not_free_form", "in_window", "reengagement", "no_template"]


@dataclass(frozen=True)
class Reengagement:
    """The approved template that reopens a conversation, whose body has one text variable:
    by name and language on Meta and 360dialog, by Content API sid (HX…) on Twilio. A
    provider whose field is unset has none."""

    template: str | None = None
    language: str = "en"
    twilio_content_sid: str | None = None

    def template_for(self, provider: str, text: str) -> Template | None:
        body = TemplateComponent(
            type="body", parameters=(TemplateParameter(text=template_parameter(text)),)
        )
        if provider == "twilio":
            if not self.twilio_content_sid:
                return None
            return Template(
                name=self.template or self.twilio_content_sid,
                language=self.language,
                components=(body,),
                content_sid=self.twilio_content_sid,
            )
        if not self.template:
            return None
        return Template(name=self.template, language=self.language, components=(body,))


@dataclass(frozen=True)
class WindowPolicy:
    window: timedelta = timedelta(hours=24)
    reengagement: Reengagement = Reengagement()


@dataclass(frozen=True)
class WindowDecision:
    content: Content  # what to send
    outcome: Outcome

    @property
    def reengagement_template(self) -> str | None:
        """The template's name (Twilio: its content sid) when sent as the re-engagement
        template, for the outbound row."""
        if self.outcome != "reengagement" or not isinstance(self.content, Template):
            return None
        return self.content.content_sid or self.content.name


def is_free_form(content: Content) -> bool:
    return isinstance(content, Text | Media | Buttons | ListMessage)


def in_window(last_inbound: datetime | None, now: datetime, window: timedelta) -> bool:
    """Open while less than ``window`` has passed since the person last wrote; unknown (never
    wrote, or before the notifier kept track) counts as closed."""
    return last_inbound is not None and now < last_inbound + window


def for_window(
    content: Content,
    *,
    provider: str,
    last_inbound: datetime | None,
    now: datetime,
    policy: WindowPolicy,
) -> WindowDecision:
    if not is_free_form(content):  # a template goes anywhere; a read receipt is no message
        return WindowDecision(content, "not_free_form")
    if in_window(last_inbound, now, policy.window):
        return WindowDecision(content, "in_window")
    template = policy.reengagement.template_for(provider, message_text(content))
    if template is None:
        return WindowDecision(content, "no_template")
    return WindowDecision(template, "reengagement")


def message_text(content: Content) -> str:
    """The words of a free-form message, to carry in the template: interactive choices
    numbered (the conversation engine takes an answer by number), a media's caption and
    link (the file itself cannot travel in a text variable)."""
    match content:
        case Text(body=body):
            return body
        case Buttons() | ListMessage():
            return numbered_choices(content)
        case Media(media_type=kind, caption=caption, link=link):
            return " ".join(part for part in (caption, link) if part) or f"[{kind}]"
    raise ValueError(f"not a free-form message: {content.kind}")


def template_parameter(text: str, limit: int = PARAMETER_LIMIT) -> str:
    """``text`` as Meta takes a template's text parameter: lines joined with " · ", every run
    of blanks (tabs, several spaces) made one space, cut to ``limit`` with "…"."""
    lines = (" ".join(line.split()) for line in text.splitlines())
    flat = LINE_SEPARATOR.join(line for line in lines if line)
    if len(flat) > limit:
        flat = flat[: limit - 1].rstrip() + "…"
    return flat or "…"
