"""CloudEvents 1.0 envelope (structured JSON mode) around versioned waops payloads.

Wire format on AMQP: the body is the whole CloudEvent as JSON
(content type ``application/cloudevents+json``); the routing key is the event type.
Extensions: tenantid, correlationid, causationid, traceparent, partitionkey.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field

from waops_contracts.registry import Event

CONTENT_TYPE = "application/cloudevents+json"


def new_event_id() -> str:
    return str(uuid.uuid4())


def stable_event_id(*parts: str) -> str:
    """A deterministic id for an event whose duplicates must collapse (e.g. a provider retry)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "waops:" + ":".join(parts)))


class Envelope(BaseModel):
    """A CloudEvent. Read tolerantly: unknown attributes are ignored."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    specversion: str = "1.0"
    id: str = Field(min_length=1)
    source: str = Field(min_length=1)
    type: str = Field(min_length=1)
    time: datetime
    subject: str | None = None
    datacontenttype: str = "application/json"
    data: dict[str, Any]
    tenantid: str = Field(min_length=1)
    correlationid: str = Field(min_length=1)
    causationid: str | None = None
    traceparent: str | None = None
    partitionkey: str | None = None

    @classmethod
    def wrap(
        cls,
        event: Event,
        *,
        source: str,
        tenant_id: str,
        subject: str | None = None,
        correlation_id: str | None = None,
        causation: Envelope | None = None,
        causation_id: str | None = None,
        event_id: str | None = None,
        partition_key: str | None = None,
        traceparent: str | None = None,
    ) -> Self:
        """Wrap a payload. ``causation`` carries the correlation id forward from the cause;
        ``causation_id`` names a cause that is not at hand as an envelope (an HTTP request)."""
        eid = event_id or new_event_id()
        corr = correlation_id or (causation.correlationid if causation else None) or eid
        return cls(
            id=eid,
            source=source,
            type=event.event_type,
            time=datetime.now(UTC),
            subject=subject,
            data=event.model_dump(mode="json"),
            tenantid=tenant_id,
            correlationid=corr,
            causationid=causation.id if causation else causation_id,
            traceparent=traceparent,
            partitionkey=partition_key,
        )

    def to_json_bytes(self) -> bytes:
        return self.model_dump_json(exclude_none=True).encode()

    @classmethod
    def from_json_bytes(cls, body: bytes) -> Self:
        return cls.model_validate_json(body)
