"""The commands table (the command log)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection
from waops_contracts.events import CommandRequested, ObjectRef


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
            " channel_id, event_id, correlation_id, requested_at) VALUES (:id, :t, :n,"
            " CAST(:actor AS jsonb), CAST(:args AS jsonb), :conv, :chan, :e, :corr, :at)"
            " ON CONFLICT (command_id) DO NOTHING RETURNING command_id"
        ),
        {
            "id": command.command_id,
            "t": tenant_id,
            "n": command.name,
            "actor": command.actor.model_dump_json(),
            "args": json.dumps(command.args),
            "conv": command.conversation_id,
            "chan": command.channel_id,
            "e": event_id,
            "corr": correlation_id,
            "at": requested_at,
        },
    )
    return result.first() is not None


async def mark_succeeded(
    conn: AsyncConnection, command_id: str, obj: ObjectRef | None, result: dict[str, Any]
) -> None:
    await conn.execute(
        text(
            "UPDATE commands SET status = 'succeeded', object_type = :ot, object_id = :oi,"
            " object_reference = :ref, result = CAST(:r AS jsonb), decided_at = now(),"
            " updated_at = now() WHERE command_id = :id"
        ),
        {
            "id": command_id,
            "ot": obj.type if obj else None,
            "oi": obj.id if obj else None,
            "ref": obj.reference if obj else None,
            "r": json.dumps(result),
        },
    )


async def mark_rejected(
    conn: AsyncConnection, command_id: str, code: str, reason: str, status: int
) -> None:
    await conn.execute(
        text(
            "UPDATE commands SET status = 'rejected', code = :c, reason = :r,"
            " refusal_status = :s, decided_at = now(), updated_at = now() WHERE command_id = :id"
        ),
        {"id": command_id, "c": code, "r": reason, "s": status},
    )


async def command_view(
    conn: AsyncConnection, tenant_id: str, command_id: str
) -> dict[str, Any] | None:
    row = (
        await conn.execute(
            text(
                "SELECT command_id, name, status, actor, args, conversation_id, channel_id,"
                " object_type, object_id, object_reference, result, code, reason,"
                " refusal_status, event_id,"
                " correlation_id, requested_at, decided_at FROM commands"
                " WHERE tenant_id = :t AND command_id = :id"
            ),
            {"t": tenant_id, "id": command_id},
        )
    ).first()
    if row is None:
        return None
    obj = None
    if row.object_type:
        obj = {"type": row.object_type, "id": row.object_id, "reference": row.object_reference}
    return {
        "command_id": row.command_id,
        "name": row.name,
        "status": row.status,
        "actor": row.actor,
        "args": row.args,
        "conversation_id": row.conversation_id,
        "channel_id": row.channel_id,
        "object": obj,
        "result": row.result,
        "code": row.code,
        "reason": row.reason,
        "refusal_status": row.refusal_status,
        "event_id": row.event_id,
        "correlation_id": row.correlation_id,
        "requested_at": row.requested_at.isoformat(),
        "decided_at": row.decided_at.isoformat() if row.decided_at else None,
    }


async def pinned_choice(conn: AsyncConnection, command_id: str, step: str) -> str | None:
    found = await conn.execute(
        text("SELECT value FROM command_choices WHERE command_id = :id AND step = :s"),
        {"id": command_id, "s": step},
    )
    value: str | None = found.scalar_one_or_none()
    return value


async def pin_choice(conn: AsyncConnection, command_id: str, step: str, value: str) -> str:
    """Keep the first choice of ``step`` for the command; returns the one kept."""
    await conn.execute(
        text(
            "INSERT INTO command_choices (command_id, step, value) VALUES (:id, :s, :v)"
            " ON CONFLICT (command_id, step) DO NOTHING"
        ),
        {"id": command_id, "s": step, "v": value},
    )
    return await pinned_choice(conn, command_id, step) or value
