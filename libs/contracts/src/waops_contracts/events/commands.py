"""Commands requested from conversations and their results (published by the orchestrator)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from waops_contracts.registry import Event, event

Role = Literal["CUSTOMER", "SALES", "OPERATIONS", "FIELD_STAFF", "MANAGER"]


class Actor(BaseModel):
    """Who asked. Customers have no user id; staff come from the core's directory."""

    model_config = ConfigDict(frozen=True, extra="ignore")
    phone: str
    role: Role
    user_id: str | None = None
    name: str | None = None


class ObjectRef(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")
    type: Literal[
        "LEAD", "BOOKING", "TRIP", "PAYMENT", "INCIDENT", "CONVERSATION", "DEPARTURE", "ASSIGNMENT"
    ]
    id: str
    reference: str | None = None


_ACTOR = {"phone": "+9779841234567", "role": "CUSTOMER", "name": "Asha"}


@event(
    "waops.command.requested.v1",
    example={
        "command_id": "4b0f7c1e-4c5e-4c86-9d9c-1d2f3a4b5c6d",
        "name": "CreateLead",
        "actor": _ACTOR,
        "conversation_id": "0c7e2f9a-3b1d-4e5f-8a9b-0c1d2e3f4a5b",
        "channel_id": "109876543210",
        "args": {"tour_code": "EBC", "pax": 3, "travel_month": "2025-03"},
        "source_text": "Hi! I'm interested in the Everest Base Camp Trek for 3 people in March 2025",
    },
)
class CommandRequested(Event):
    command_id: str
    name: str
    actor: Actor
    conversation_id: str | None = None
    channel_id: str | None = None
    args: dict[str, Any]
    source_text: str | None = None


@event(
    "waops.command.succeeded.v1",
    example={
        "command_id": "4b0f7c1e-4c5e-4c86-9d9c-1d2f3a4b5c6d",
        "name": "CreateLead",
        "actor": _ACTOR,
        "conversation_id": "0c7e2f9a-3b1d-4e5f-8a9b-0c1d2e3f4a5b",
        "object": {"type": "LEAD", "id": "5d1c...", "reference": "EBC2501234"},
        "result": {"state": "NEW"},
        "source_text": "Hi! I'm interested in the Everest Base Camp Trek for 3 people in March 2025",
    },
)
class CommandSucceeded(Event):
    command_id: str
    name: str
    actor: Actor
    conversation_id: str | None = None
    channel_id: str | None = None  # where the actor asked from: their reply goes back there
    object: ObjectRef | None = None
    result: dict[str, Any] = {}
    source_text: str | None = None


@event(
    "waops.command.rejected.v1",
    example={
        "command_id": "4b0f7c1e-4c5e-4c86-9d9c-1d2f3a4b5c6d",
        "name": "AssignStaff",
        "actor": _ACTOR,
        "conversation_id": "0c7e2f9a-3b1d-4e5f-8a9b-0c1d2e3f4a5b",
        "code": "FORBIDDEN_ROLE",
        "reason": "customers may not assign staff",
    },
)
class CommandRejected(Event):
    command_id: str
    name: str
    actor: Actor
    conversation_id: str | None = None
    channel_id: str | None = None
    code: str
    reason: str
