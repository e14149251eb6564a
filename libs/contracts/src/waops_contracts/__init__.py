"""waops contracts: the CloudEvents envelope and every versioned payload."""

from waops_contracts import events
from waops_contracts.envelope import CONTENT_TYPE, Envelope, new_event_id, stable_event_id
from waops_contracts.keys import conversation_key, phone_key
from waops_contracts.registry import EVENT_TYPES, EXAMPLES, Event, UnknownEventType, parse_payload

__all__ = [
    "CONTENT_TYPE",
    "EVENT_TYPES",
    "EXAMPLES",
    "Envelope",
    "Event",
    "UnknownEventType",
    "conversation_key",
    "events",
    "new_event_id",
    "parse_payload",
    "phone_key",
    "stable_event_id",
]
