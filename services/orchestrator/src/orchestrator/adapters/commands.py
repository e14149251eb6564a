"""The commands table (the command log)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncConnection
from waops_contracts.events import CommandRequested, ObjectRef

CommandStatus = Literal["requested", "succeeded", "rejected"]


@dataclass(frozen=True)
class LoggedCommand:
    """One row of the command log: the command, and how it ended once decided."""

    command_id: str
    name: str
    status: CommandStatus
    actor: dict[str, Any]
    args: dict[str, Any]
    conversation_id: str | None
    channel_id: str | None
    object_type: str | None
    object_id: str | None
    object_reference: str | None
    result: dict[str, Any] | None
    code: str | None
    reason: str | None
    refusal_status: int | None
    event_id: str
    correlation_id: str
    requested_at: datetime
    decided_at: datetime | None


def logged_command(row: Row[Any]) -> LoggedCommand:
    """A row of ``command_view``'s SELECT."""
    return LoggedCommand(
        command_id=row.command_id,
        name=row.name,
        status=row.status,
        actor=row.actor,
        args=row.args,
        conversation_id=row.conversation_id,
        channel_id=row.channel_id,
        object_type=row.object_type,
        object_id=row.object_id,
        object_reference=row.object_reference,
        result=row.result,
        code=row.code,
        reason=row.reason,
        refusal_status=row.refusal_status,
        event_id=row.event_id,
        correlation_id=row.correlation_id,
        requested_at=row.requested_at,
        decided_at=row.decided_at,
    )


async def record_requested(
    conn: AsyncConnection,
    *,
    tenant_id: str,
    command: CommandRequested,
    event_id: str,
    correlation_id: str,
    requested_at: datetime,
) -> bool:
    """Log a new command; False if its id is already logged (a repeat: nothing to do).

    A concurrent repeat waits on the primary key until this transaction ends, then sees
    the conflict (or takes over if this one rolled back).
    """
    result = await conn.execute(
        text(
            "INSERT INTO commands (command_id, tenant_id, name, actor, args, conversation_id,"
            " channel_id, event_id, correlation_id, requested_at) VALUES (:command_id, :tenant_id,"
            " :name, CAST(:actor AS jsonb), CAST(:args AS jsonb), :conversation_id, :channel_id,"
            " :event_id, :correlation_id, :requested_at)"
            " ON CONFLICT (command_id) DO NOTHING RETURNING command_id"
        ),
        {
            "command_id": command.command_id,
            "tenant_id": tenant_id,
            "name": command.name,
            "actor": command.actor.model_dump_json(),
            "args": json.dumps(command.args),
            "conversation_id": command.conversation_id,
            "channel_id": command.channel_id,
            "event_id": event_id,
            "correlation_id": correlation_id,
            "requested_at": requested_at,
        },
    )
    return result.first() is not None


async def mark_succeeded(
    conn: AsyncConnection, command_id: str, obj: ObjectRef | None, result: dict[str, Any]
) -> None:
    await conn.execute(
        text(
            "UPDATE commands SET status = 'succeeded', object_type = :object_type,"
            " object_id = :object_id, object_reference = :object_reference,"
            " result = CAST(:result AS jsonb), decided_at = now(), updated_at = now()"
            " WHERE command_id = :command_id"
        ),
        {
            "command_id": command_id,
            "object_type": obj.type if obj else None,
            "object_id": obj.id if obj else None,
            "object_reference": obj.reference if obj else None,
            "result": json.dumps(result),
        },
    )


async def mark_rejected(
    conn: AsyncConnection, command_id: str, code: str, reason: str, status: int
) -> None:
    await conn.execute(
        text(
            "UPDATE commands SET status = 'rejected', code = :code, reason = :reason,"
            " refusal_status = :refusal_status, decided_at = now(), updated_at = now()"
            " WHERE command_id = :command_id"
        ),
        {"command_id": command_id, "code": code, "reason": reason, "refusal_status": status},
    )


async def command_view(
    conn: AsyncConnection, tenant_id: str, command_id: str
) -> LoggedCommand | None:
    row = (
        await conn.execute(
            text(
                "SELECT command_id, name, status, actor, args, conversation_id, channel_id,"
                " object_type, object_id, object_reference, result, code, reason,"
                " refusal_status, event_id,"
                " correlation_id, requested_at, decided_at FROM commands"
                " WHERE tenant_id = :tenant_id AND command_id = :command_id"
            ),
            {"tenant_id": tenant_id, "command_id": command_id},
        )
    ).first()
    return None if row is None else logged_command(row)


async def pinned_choice(conn: AsyncConnection, command_id: str, step: str) -> str | None:
    found = await conn.execute(
        text("SELECT value FROM command_choices WHERE command_id = :command_id AND step = :step"),
        {"command_id": command_id, "step": step},
    )
    value: str | None = found.scalar_one_or_none()
    return value


async def pin_choice(conn: AsyncConnection, command_id: str, step: str, value: str) -> str:
    """Keep the first choice of ``step`` for the command; returns the one kept."""
    await conn.execute(
        text(
            "INSERT INTO command_choices (command_id, step, value) VALUES (:command_id, :step,"
            " :value) ON CONFLICT (command_id, step) DO NOTHING"
        ),
        {"command_id": command_id, "step": step, "value": value},
    )
    return await pinned_choice(conn, command_id, step) or value
