"""``command.requested`` (from conversations): log the command, then decide it.

The command row, its outcome and the result event commit together in the consumer's
transaction; see ``handlers.execution`` for how a command is decided and why a core outage
redelivers it instead of rejecting it.
"""

from __future__ import annotations

from waops_contracts.events import CommandRequested
from waops_messaging import HandlerContext
from waops_observability import get_logger

from orchestrator.adapters import commands as store
from orchestrator.handlers.deps import OrchestratorDeps
from orchestrator.handlers.execution import decide

log = get_logger(__name__)


async def on_command_requested(
    command: CommandRequested, ctx: HandlerContext[OrchestratorDeps]
) -> None:
    env = ctx.envelope
    is_new = await store.record_requested(
        ctx.conn,
        tenant_id=ctx.tenant_id,
        command=command,
        event_id=env.id,
        correlation_id=env.correlationid,
        requested_at=env.time,
    )
    if not is_new:
        # Asked again under another event id (or the back-office API's own request, which
        # it decided itself): it was decided, and answered, the first time.
        log.info("command.repeat_ignored", command_id=command.command_id, name=command.name)
        return
    await decide(command, ctx)
