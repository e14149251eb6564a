"""The orchestrator's consumers.

- ``orchestrator.commands``: commands asked from conversations (``command.requested``),
  checked against the role table, executed against the core, answered with
  ``command.succeeded`` or ``command.rejected``.
"""

from __future__ import annotations

from waops_contracts.events import CommandRejected, CommandRequested, CommandSucceeded
from waops_messaging import HandlerRegistry, QueueSpec

from orchestrator.handlers.commands import on_command_requested

COMMANDS_QUEUE = "orchestrator.commands"


# Deliveries of one command before it is parked: higher than the kit's default so a core outage
# of a few tens of seconds delays commands instead of parking them. A queue argument, fixed when
# the queue is first declared: changing it means a new queue (or a policy), not a setting.
COMMANDS = QueueSpec(COMMANDS_QUEUE, (CommandRequested.event_type,), delivery_limit=10)


def build_registry() -> HandlerRegistry:
    registry = HandlerRegistry()
    registry.queue(COMMANDS, concurrency=16)
    registry.on(COMMANDS_QUEUE, CommandRequested)(on_command_requested)
    registry.declare_publishes(CommandSucceeded, CommandRejected)
    return registry
