"""The orchestrator's consumers.

- ``orchestrator.commands``: commands asked from conversations (``command.requested``),
  checked against the permission table, executed against the core, answered with
  ``command.succeeded`` or ``command.rejected`` (a broadcast also publishes
  ``broadcast.requested``). The back-office API runs its commands through the same path
  and publishes their ``command.requested`` itself.
- ``orchestrator.directory``: the core's staff directory, kept as the read model the
  back-office API takes the acting staff member's role from.
"""

from __future__ import annotations

from waops_contracts.events import (
    BroadcastRequested,
    CommandRejected,
    CommandRequested,
    CommandSucceeded,
    StaffUpserted,
)
from waops_messaging import HandlerRegistry, QueueSpec

from orchestrator.handlers.commands import on_command_requested
from orchestrator.handlers.directory import on_staff_upserted

COMMANDS_QUEUE = "orchestrator.commands"
DIRECTORY_QUEUE = "orchestrator.directory"


# Deliveries of one command before it is parked: higher than the kit's default so a core outage
# of a few tens of seconds delays commands instead of parking them. A queue argument, fixed when
# the queue is first declared: changing it means a new queue (or a policy), not a setting.
COMMANDS = QueueSpec(COMMANDS_QUEUE, (CommandRequested.event_type,), delivery_limit=10)
DIRECTORY = QueueSpec(DIRECTORY_QUEUE, (StaffUpserted.event_type,))


def build_registry() -> HandlerRegistry:
    registry = HandlerRegistry()
    registry.queue(COMMANDS, concurrency=16)
    registry.on(COMMANDS_QUEUE, CommandRequested)(on_command_requested)
    registry.queue(DIRECTORY, concurrency=1)  # one at a time: the last change wins
    registry.on(DIRECTORY_QUEUE, StaffUpserted)(on_staff_upserted)
    registry.declare_publishes(
        CommandRequested, CommandSucceeded, CommandRejected, BroadcastRequested
    )
    return registry
