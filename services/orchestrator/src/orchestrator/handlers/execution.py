"""The one execution path of a command, whichever door it came in by (a conversation's
``command.requested`` or the back-office API): check the role, run the command against the
core (which checks the object), record the outcome and publish ``command.succeeded`` or
``command.rejected``, all in the caller's transaction.

A refusal (the role, the object, the arguments, the core's 4xx) rejects the command.
``CoreUnavailable`` (no answer from the core) propagates: the caller's transaction rolls back
and the command is tried again later (a redelivery, or the API client's retry with the same
Idempotency-Key); every core call is idempotent by the command, so a retry never acts twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, cast

from waops_contracts import stable_event_id
from waops_contracts.events import CommandRejected, CommandRequested, CommandSucceeded, ObjectRef
from waops_messaging import HandlerContext
from waops_observability import get_logger

from orchestrator import metrics
from orchestrator.adapters import commands as store
from orchestrator.adapters.core_client import CoreContractError, CoreRefused
from orchestrator.domain.core_refusals import core_refusal
from orchestrator.domain.permissions import COMMANDS, Refusal, Refused, authorize
from orchestrator.handlers.deps import OrchestratorDeps
from orchestrator.handlers.executors import EXECUTORS, Outcome, Run

log = get_logger(__name__)


@dataclass(frozen=True)
class Decision:
    """How a command ended, as the back-office API answers it."""

    command_id: str
    name: str
    status: Literal["succeeded", "rejected"]
    object: ObjectRef | None = None
    result: dict[str, Any] = field(default_factory=dict)
    refusal: Refusal | None = None

    @classmethod
    def from_view(cls, view: store.LoggedCommand) -> Decision:
        """A decided command as logged (``adapters.commands.command_view``)."""
        refusal = None
        if view.status == "rejected":
            # mark_rejected always stores a code and a reason with the status
            code, reason = cast(str, view.code), cast(str, view.reason)
            refusal = Refusal(code, reason, view.refusal_status or 422)
        obj = None
        if view.object_type:
            obj = ObjectRef.model_validate(
                {"type": view.object_type, "id": view.object_id, "reference": view.object_reference}
            )
        return cls(
            command_id=view.command_id,
            name=view.name,
            status=cast(Literal["succeeded", "rejected"], view.status),
            object=obj,
            result=view.result or {},
            refusal=refusal,
        )


async def decide(command: CommandRequested, ctx: HandlerContext[OrchestratorDeps]) -> Decision:
    """Run a command already recorded as requested (``adapters.commands.record_requested``)."""
    refusal = authorize(command.name, command.actor.role)
    if refusal is not None:
        return await _reject(command, ctx, refusal)
    try:
        outcome = await EXECUTORS[command.name](Run(command, ctx))
    except Refused as refused:
        return await _reject(command, ctx, refused.refusal)
    except CoreRefused as refused:
        return await _reject(
            command, ctx, core_refusal(refused.status, refused.code, refused.message)
        )
    except (KeyError, TypeError) as exc:  # a 2xx answer without what the API promises
        raise CoreContractError(f"{command.name}: unreadable core answer: {exc!r}") from exc
    return await _succeed(command, ctx, outcome)


def _metric_name(command: CommandRequested) -> str:
    return command.name if command.name in COMMANDS else "unknown"  # bounded label values


async def _succeed(
    command: CommandRequested, ctx: HandlerContext[OrchestratorDeps], outcome: Outcome
) -> Decision:
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
        channel_id=command.channel_id,
        object=outcome.object,
        result=outcome.result,
        source_text=command.source_text,
    )
    await _publish_result(ctx, result, subject)
    metrics.COMMANDS.labels(_metric_name(command), "succeeded", "").inc()
    log.info("command.succeeded", command_id=command.command_id, name=command.name, object=subject)
    return Decision(command.command_id, command.name, "succeeded", outcome.object, outcome.result)


async def _reject(
    command: CommandRequested, ctx: HandlerContext[OrchestratorDeps], refusal: Refusal
) -> Decision:
    await store.mark_rejected(
        ctx.conn, command.command_id, refusal.code, refusal.reason, refusal.status
    )
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
        code=refusal.code,
        reason=refusal.reason,
    )
    await _publish_result(ctx, result, subject)
    metrics.COMMANDS.labels(_metric_name(command), "rejected", refusal.code).inc()
    log.info(
        "command.rejected",
        command_id=command.command_id,
        name=command.name,
        code=refusal.code,
        role=command.actor.role,
    )
    return Decision(command.command_id, command.name, "rejected", refusal=refusal)


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
