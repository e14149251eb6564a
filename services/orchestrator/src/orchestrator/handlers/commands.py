"""``command.requested``: log the command, check the role, run it, publish the outcome.

All of it happens in the consumer's transaction: the command row, its outcome and the
result event commit together. The core call sits inside that transaction too; that is safe
because the call is idempotent by the command id, so a redelivery after a rollback replays
the core's first answer. When the core gives no answer (``CoreUnavailable``) the exception
propagates: the transaction rolls back and the broker redelivers the command later (parking
it after the delivery limit). A transient outage never rejects a command.
"""

from __future__ import annotations

from waops_contracts import stable_event_id
from waops_contracts.events import CommandRejected, CommandRequested, CommandSucceeded
from waops_messaging import HandlerContext
from waops_observability import get_logger

from orchestrator import metrics
from orchestrator.adapters import commands as store
from orchestrator.adapters.core_client import CoreRefused
from orchestrator.deps import OrchestratorDeps
from orchestrator.domain.permissions import COMMANDS, authorize
from orchestrator.handlers.executors import EXECUTORS, Outcome

log = get_logger(__name__)

NOT_AVAILABLE = "COMMAND_NOT_AVAILABLE"


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
        # Asked again under another event id: it was decided (and answered) the first time.
        log.info("command.repeat_ignored", command_id=command.command_id, name=command.name)
        return

    refusal = authorize(command.name, command.actor.role)
    if refusal is not None:
        await _reject(command, ctx, refusal.code, refusal.reason)
        return
    execute = EXECUTORS.get(command.name)
    if execute is None:
        await _reject(
            command, ctx, NOT_AVAILABLE, "Sorry, that can't be done through WhatsApp yet."
        )
        return
    try:
        outcome = await execute(command, ctx)
    except CoreRefused as refused:
        await _reject(command, ctx, refused.code, refused.message)
        return
    await _succeed(command, ctx, outcome)


def _metric_name(command: CommandRequested) -> str:
    return command.name if command.name in COMMANDS else "unknown"  # bounded label values


async def _succeed(
    command: CommandRequested, ctx: HandlerContext[OrchestratorDeps], outcome: Outcome
) -> None:
    await store.mark_succeeded(ctx.conn, command.command_id, outcome.object, outcome.result)
    subject = (
        f"{outcome.object.type}/{outcome.object.id}"
        if outcome.object is not None
        else f"COMMAND/{command.command_id}"
    )
    result = CommandSucceeded(
        command_id=command.command_id,
        name=command.name,
        actor=command.actor,
        conversation_id=command.conversation_id,
        object=outcome.object,
        result=outcome.result,
        source_text=command.source_text,
    )
    await _publish_result(ctx, result, subject)
    metrics.COMMANDS.labels(_metric_name(command), "succeeded", "").inc()
    log.info("command.succeeded", command_id=command.command_id, name=command.name, object=subject)


async def _reject(
    command: CommandRequested, ctx: HandlerContext[OrchestratorDeps], code: str, reason: str
) -> None:
    await store.mark_rejected(ctx.conn, command.command_id, code, reason)
    subject = (
        f"CONVERSATION/{command.conversation_id}"
        if command.conversation_id
        else f"COMMAND/{command.command_id}"
    )
    result = CommandRejected(
        command_id=command.command_id,
        name=command.name,
        actor=command.actor,
        conversation_id=command.conversation_id,
        channel_id=command.channel_id,
        code=code,
        reason=reason,
    )
    await _publish_result(ctx, result, subject)
    metrics.COMMANDS.labels(_metric_name(command), "rejected", code).inc()
    log.info(
        "command.rejected",
        command_id=command.command_id,
        name=command.name,
        code=code,
        role=command.actor.role,
    )


async def _publish_result(
    ctx: HandlerContext[OrchestratorDeps], result: CommandSucceeded | CommandRejected, subject: str
) -> None:
    await ctx.publish(
        result,
        subject=subject,
        # The request's key (the conversation's, from the conversation engine), so ordered
        # consumers see the result in the conversation's order.
        partition_key=ctx.envelope.partitionkey or result.command_id,
        # One result per command, whatever delivered it.
        event_id=stable_event_id("command.result", result.command_id),
    )
