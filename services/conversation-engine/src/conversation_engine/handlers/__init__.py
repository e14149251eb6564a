"""The conversation engine's consumers.

- ``conversation-engine.directory``: the core's staff directory and tour catalogue, kept as
  read models here.
- ``conversation-engine.inbound``: inbound messages, partitioned by conversation key
  (``<channel_id>:<phone>``) so one conversation's messages are handled in order.
- ``conversation-engine.results``: command results, to bind conversations to what they made.
"""

from __future__ import annotations

from waops_contracts.events import (
    CommandRejected,
    CommandRequested,
    CommandSucceeded,
    ConversationBound,
    ConversationOpened,
    MessageReceived,
    StaffUpserted,
    TourUpserted,
)
from waops_messaging import HandlerRegistry, QueueSpec

from conversation_engine.handlers.directory import on_staff_upserted, on_tour_upserted
from conversation_engine.handlers.inbound import on_message_received
from conversation_engine.handlers.results import on_command_rejected, on_command_succeeded

DIRECTORY = QueueSpec(
    "conversation-engine.directory",
    (StaffUpserted.event_type, TourUpserted.event_type),
)
INBOUND = QueueSpec("conversation-engine.inbound", (MessageReceived.event_type,), partitions=4)
RESULTS = QueueSpec(
    "conversation-engine.results",
    (CommandSucceeded.event_type, CommandRejected.event_type),
)


def build_registry() -> HandlerRegistry:
    registry = HandlerRegistry()
    registry.queue(DIRECTORY, concurrency=8)
    registry.on(DIRECTORY.name, StaffUpserted)(on_staff_upserted)
    registry.on(DIRECTORY.name, TourUpserted)(on_tour_upserted)

    registry.queue(INBOUND, prefetch=50)
    registry.on(INBOUND.name, MessageReceived)(on_message_received)

    registry.queue(RESULTS, concurrency=8)
    registry.on(RESULTS.name, CommandSucceeded)(on_command_succeeded)
    registry.on(RESULTS.name, CommandRejected)(on_command_rejected)

    registry.declare_publishes(CommandRequested, ConversationOpened, ConversationBound)
    return registry
