"""Conversation events published by the conversation engine."""

from __future__ import annotations

from typing import Any

from waops_contracts.events.commands import ObjectRef
from waops_contracts.registry import Event, event


@event(
    "waops.conversation.opened.v1",
    example={
        "conversation_id": "0c7e2f9a-3b1d-4e5f-8a9b-0c1d2e3f4a5b",
        "channel_id": "109876543210",
        "phone": "+9779841234567",
        "actor_role": "CUSTOMER",
    },
)
class ConversationOpened(Event):
    conversation_id: str
    channel_id: str
    phone: str
    actor_role: str


@event(
    "waops.conversation.bound.v1",
    example={
        "conversation_id": "0c7e2f9a-3b1d-4e5f-8a9b-0c1d2e3f4a5b",
        "object": {
            "type": "LEAD",
            "id": "5d1c6f0e-8a2b-4c3d-9e4f-5a6b7c8d9e0f",
            "reference": "EBC2501234",
        },
    },
)
class ConversationBound(Event):
    conversation_id: str
    object: ObjectRef


@event(
    "waops.conversation.reply_requested.v1",
    example={
        "conversation_id": "0c7e2f9a-3b1d-4e5f-8a9b-0c1d2e3f4a5b",
        "channel_id": "109876543210",
        "to_phone": "+9779841234567",
        "template": "dialogue.menu",
        "variables": {"name": "Asha"},
        "language": "en",
        "in_reply_to": "wamid.HBgMOTc3OTg0MTIzNDU2FQIAEhgUM0VCMDRBN0I1QjQ3",
    },
)
class ConversationReply(Event):
    """The dialogue answers the person directly (a menu, a question, HELP, "I did not
    understand"): the notifier renders ``template`` with ``variables`` in ``language``."""

    conversation_id: str
    channel_id: str
    to_phone: str
    template: str
    variables: dict[str, Any] = {}
    language: str = "en"
    about: ObjectRef | None = None
    in_reply_to: str | None = None  # the provider message id answered
