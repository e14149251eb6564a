"""Commands from the web back office: the same command, the same execution path.

A request becomes a ``CommandRequested`` (no conversation) in the name of the staff member it
names, read from the directory's read model. It is published (so it is audited and on the
timelines like any command) and decided at once in the same transaction as the command's
row and its result event; the API answers with the decision.

The client's ``Idempotency-Key`` makes the command id (per tenant and staff member): a retry
finds the command decided and gets the first decision again; the same key for another
request is refused. A core outage rolls everything back, so a retry runs it afresh.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection
from waops_contracts import stable_event_id
from waops_contracts.events import Actor, CommandRequested
from waops_messaging import HandlerContext
from waops_service_kit import ServiceRuntime

from orchestrator.adapters import commands as store
from orchestrator.adapters.directory import staff_member
from orchestrator.domain.permissions import refuse
from orchestrator.handlers.execution import Decision, decide


@dataclass(frozen=True)
class BackOfficeRequest:
    tenant: str
    actor_id: str  # X-Waops-Actor-Id: the acting staff member's user id
    idempotency_key: str
    name: str  # the command
    args: dict[str, Any]  # validated, JSON-ready
    correlation_id: str | None = None


@dataclass(frozen=True)
class Answer:
    decision: Decision
    replayed: bool  # the first decision of a retried request


async def run_back_office_command(runtime: ServiceRuntime, request: BackOfficeRequest) -> Answer:
    """Decide the command; raises ``Refused`` for an unknown or inactive actor and a reused
    key, ``CoreUnavailable`` when the core gives no answer (nothing is kept)."""
    async with runtime.engine.begin() as conn:
        member = await staff_member(conn, request.tenant, request.actor_id)
        if member is None:
            raise refuse("NOT_STAFF", "No staff member has that id in the directory.", 403)
        if not member.active:
            raise refuse("STAFF_INACTIVE", f"{member.name} is no longer active.", 403)
        command_id = stable_event_id(
            "orchestrator.back-office", request.tenant, member.user_id, request.idempotency_key
        )
        command = CommandRequested(
            command_id=command_id,
            name=request.name,
            actor=Actor(
                phone=member.phone,
                role=member.role,  # one of the directory's four staff roles (checked on the way in)
                user_id=member.user_id,
                name=member.name,
            ),
            args=request.args,
        )
        event_id = stable_event_id("command.requested", command_id)
        correlation_id = request.correlation_id or event_id
        is_new = await store.record_requested(
            conn,
            tenant_id=request.tenant,
            command=command,
            event_id=event_id,
            correlation_id=correlation_id,
            requested_at=datetime.now(UTC),
        )
        if not is_new:
            return Answer(await _first_decision(conn, request, command_id), replayed=True)
        envelope = await runtime.writer.write(
            conn,
            command,
            tenant_id=request.tenant,
            subject=f"COMMAND/{command_id}",
            correlation_id=correlation_id,
            event_id=event_id,
            partition_key=command_id,
        )
        decision = await decide(
            command, HandlerContext(conn, envelope, runtime.writer, runtime.deps)
        )
    return Answer(decision, replayed=False)


async def _first_decision(
    conn: AsyncConnection, request: BackOfficeRequest, command_id: str
) -> Decision:
    view = await store.command_view(conn, request.tenant, command_id)
    if view is None or view.name != request.name or view.args != request.args:
        raise refuse(
            "IDEMPOTENCY_KEY_REUSED",
            "This Idempotency-Key was already used for another request.",
            409,
        )
    return Decision.from_view(view)
