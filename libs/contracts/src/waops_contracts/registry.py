"""Versioned event payloads and the registry that maps a CloudEvent type to its model."""

from __future__ import annotations

from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict

E = TypeVar("E", bound="Event")


class Event(BaseModel):
    """A frozen payload. The version is part of ``event_type`` (``waops.lead.created.v1``).

    Consumers read tolerantly (unknown fields are ignored) so producers can add fields
    without a new version; removing or changing a field needs a new version.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")
    event_type: ClassVar[str]


EVENT_TYPES: dict[str, type[Event]] = {}
EXAMPLES: dict[str, dict[str, Any]] = {}


def event(event_type: str, example: dict[str, Any]) -> Any:
    """Register a payload model under its CloudEvent type, with an example payload."""

    def register(cls: type[E]) -> type[E]:
        if event_type in EVENT_TYPES:
            raise ValueError(f"event type registered twice: {event_type}")
        cls.event_type = event_type
        EVENT_TYPES[event_type] = cls
        EXAMPLES[event_type] = example
        return cls

    return register


class UnknownEventType(LookupError):
    pass


def parse_payload(event_type: str, data: dict[str, Any]) -> Event:
    try:
        model = EVENT_TYPES[event_type]
    except KeyError:
        raise UnknownEventType(event_type) from None
    return model.model_validate(data)
