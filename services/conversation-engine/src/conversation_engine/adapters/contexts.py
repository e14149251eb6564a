"""The contexts table: one row per person (tenant + phone), found by the phone's blind index.

Every change happens under the row's lock: the inbound messages of a phone and the events
about it (quotes, bookings, offers) are handled by different consumers, and each reads the
context, applies a pure change and writes it back in its own transaction.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from conversation_engine.adapters.sealing import Sealer
from conversation_engine.domain.context import Bound, Context

_COLUMNS = (
    "actor_role, name, bound_object_type, bound_object_id, bound_reference, dialogue_state,"
    " dialogue_data"
)


async def lock_context(
    conn: AsyncConnection, sealer: Sealer, tenant_id: str, phone: str
) -> Context:
    """The person's context, locked for this transaction (a new, empty one if none yet)."""
    index = sealer.index(phone)
    row = await _locked(conn, tenant_id, index)
    if row is None:
        # A concurrent creator may win the insert; either way the row then exists to lock.
        await conn.execute(
            text(
                "INSERT INTO contexts (tenant_id, phone_index, phone_sealed) VALUES (:t, :i, :p)"
                " ON CONFLICT (tenant_id, phone_index) DO NOTHING"
            ),
            {"t": tenant_id, "i": index, "p": sealer.seal(phone)},
        )
        row = await _locked(conn, tenant_id, index)
        assert row is not None
    return _context(row)


async def _locked(conn: AsyncConnection, tenant_id: str, index: bytes) -> Any:
    return (
        await conn.execute(
            text(
                f"SELECT {_COLUMNS} FROM contexts WHERE tenant_id = :t AND phone_index = :i"
                " FOR UPDATE"
            ),
            {"t": tenant_id, "i": index},
        )
    ).first()


async def save_context(
    conn: AsyncConnection,
    sealer: Sealer,
    tenant_id: str,
    phone: str,
    context: Context,
    *,
    at: datetime,
    channel_id: str | None = None,
    conversation_id: str | None = None,
) -> None:
    """Write the context back (the channel and conversation only when given: an event about
    the person leaves where they last wrote from as it was)."""
    bound = context.bound
    await conn.execute(
        text(
            "UPDATE contexts SET actor_role = :r, name = :n, bound_object_type = :bt,"
            " bound_object_id = :bi, bound_reference = :br, dialogue_state = :s,"
            " dialogue_data = CAST(:d AS jsonb), updated_at = GREATEST(updated_at, :at),"
            " channel_id = COALESCE(:c, channel_id),"
            " conversation_id = COALESCE(:conv, conversation_id)"
            " WHERE tenant_id = :t AND phone_index = :i"
        ),
        {
            "t": tenant_id,
            "i": sealer.index(phone),
            "r": context.role,
            "n": context.name,
            "bt": bound.type if bound else None,
            "bi": bound.id if bound else None,
            "br": bound.reference if bound else None,
            "s": context.state,
            "d": json.dumps(dict(context.data), default=str),
            "at": at,
            "c": channel_id,
            "conv": uuid.UUID(conversation_id) if conversation_id else None,
        },
    )


async def context_of(
    conn: AsyncConnection, sealer: Sealer, tenant_id: str, phone: str
) -> dict[str, Any] | None:
    """The context as the API shows it."""
    row = (
        await conn.execute(
            text(
                f"SELECT {_COLUMNS}, channel_id, conversation_id, updated_at FROM contexts"
                " WHERE tenant_id = :t AND phone_index = :i"
            ),
            {"t": tenant_id, "i": sealer.index(phone)},
        )
    ).first()
    if row is None:
        return None
    context = _context(row)
    bound = context.bound
    return {
        "phone": phone,
        "actor_role": context.role,
        "name": context.name,
        "bound_object": (
            {"type": bound.type, "id": bound.id, "reference": bound.reference} if bound else None
        ),
        "dialogue_state": context.state,
        "dialogue_data": dict(context.data),
        "channel_id": row.channel_id,
        "conversation_id": str(row.conversation_id) if row.conversation_id else None,
        "updated_at": row.updated_at.isoformat(),
    }


def _context(row: Any) -> Context:
    data = row.dialogue_data
    if isinstance(data, str):
        data = json.loads(data)
    bound = None
    if row.bound_object_type:
        bound = Bound(row.bound_object_type, row.bound_object_id, row.bound_reference)
    return Context(
        role=row.actor_role,
        name=row.name,
        bound=bound,
        state=row.dialogue_state,
        data=data or {},
    )
