"""Which business objects an event belongs on, and how it reads on their timelines."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Placement:
    object_type: str
    object_id: str
    summary: str


def _subject(subject: str | None) -> tuple[str, str] | None:
    """Producers name the object an event is about in the CloudEvent subject: ``LEAD/<id>``."""
    if not subject or "/" not in subject:
        return None
    kind, _, ident = subject.partition("/")
    return (kind.upper(), ident) if kind and ident else None


def place(event_type: str, subject: str | None, data: dict[str, Any]) -> list[Placement]:
    """Every (object, summary) the event belongs to; empty for events that touch no object."""
    placements: list[Placement] = []
    kind = event_type.removeprefix("waops.").rsplit(".", 1)[0]  # "lead.created"
    target = _subject(subject)

    if kind == "command.succeeded" and data.get("object"):
        obj = data["object"]
        if data.get("name") == "CreateLead" and data.get("source_text"):
            summary = f"Enquiry received: {data['source_text']}"
        else:
            summary = f"{data.get('name')} succeeded"
        placements.append(Placement(obj["type"], obj["id"], summary))
    elif kind == "lead.created":
        rep = (data.get("assigned_to") or {}).get("name")
        summary = f"Lead {data.get('reference')} created ({data.get('state')})"
        if rep:
            summary += f", assigned to {rep}"
        placements.append(Placement("LEAD", data["lead_id"], summary))
    elif kind == "message.sent" and data.get("about"):
        about = data["about"]
        placements.append(
            Placement(about["type"], about["id"], f"Message sent to {data.get('to_phone')}")
        )
    elif target is not None:
        placements.append(Placement(target[0], target[1], kind.replace(".", " ").capitalize()))

    if data.get("conversation_id") and kind.startswith(("command.", "conversation.")):
        placements.append(Placement("CONVERSATION", data["conversation_id"], kind))
    unique = {(p.object_type, p.object_id): p for p in placements}
    return list(unique.values())
