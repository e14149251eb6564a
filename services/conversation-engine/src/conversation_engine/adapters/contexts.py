"""The contexts table: one row per person (tenant + phone), found by the phone's blind index.

Every change happens under the row's lock: the inbound messages of a phone and the events
about it (quotes, bookings, offers) are handled by different consumers, and each reads the
context, applies a pure change and writes it back in its own transaction.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncConnection

from conversation_engine.adapters.sealing import Sealer
from conversation_engine.domain.context import Bound, Context

_COLUMNS = (
    "actor_role, name, bound_object_type, bound_object_id, bound_reference, dialogue_state,"
    " dialogue_data"
)


@dataclass(frozen=True)
class StoredContext:
    """A person's context as stored, with where they last wrote from and when it changed."""

    context: Context
    channel_id: str | None
    conversation_id: str | None
    updated_at: datetime


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
                "INSERT INTO contexts (tenant_id, phone_index, phone_sealed)"
                " VALUES (:tenant_id, :phone_index, :phone_sealed)"
                " ON CONFLICT (tenant_id, phone_index) DO NOTHING"
            ),
            {"tenant_id": tenant_id, "phone_index": index, "phone_sealed": sealer.seal(phone)},
        )
        row = await _locked(conn, tenant_id, index)
        assert row is not None
    return context_from(row)


async def _locked(conn: AsyncConnection, tenant_id: str, index: bytes) -> Row[Any] | None:
    return (
        await conn.execute(
            text(
                f"SELECT {_COLUMNS} FROM contexts WHERE tenant_id = :tenant_id"
                " AND phone_index = :phone_index FOR UPDATE"
            ),
            {"tenant_id": tenant_id, "phone_index": index},
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
            "UPDATE contexts SET actor_role = :actor_role, name = :name,"
            " bound_object_type = :bound_object_type, bound_object_id = :bound_object_id,"
            " bound_reference = :bound_reference, dialogue_state = :dialogue_state,"
            " dialogue_data = CAST(:dialogue_data AS jsonb),"
            " updated_at = GREATEST(updated_at, :updated_at),"
            " channel_id = COALESCE(:channel_id, channel_id),"
            " conversation_id = COALESCE(:conversation_id, conversation_id)"
            " WHERE tenant_id = :tenant_id AND phone_index = :phone_index"
        ),
        {
            "tenant_id": tenant_id,
            "phone_index": sealer.index(phone),
            "actor_role": context.role,
            "name": context.name,
            "bound_object_type": bound.type if bound else None,
            "bound_object_id": bound.id if bound else None,
            "bound_reference": bound.reference if bound else None,
            "dialogue_state": context.state,
            "dialogue_data": json.dumps(dict(context.data), default=str),
            "updated_at": at,
            "channel_id": channel_id,
            "conversation_id": uuid.UUID(conversation_id) if conversation_id else None,
        },
    )


async def context_of(
    conn: AsyncConnection, sealer: Sealer, tenant_id: str, phone: str
) -> StoredContext | None:
    """The context with where the person last wrote from (for the API)."""
    row = (
        await conn.execute(
            text(
                f"SELECT {_COLUMNS}, channel_id, conversation_id, updated_at FROM contexts"
                " WHERE tenant_id = :tenant_id AND phone_index = :phone_index"
            ),
            {"tenant_id": tenant_id, "phone_index": sealer.index(phone)},
        )
    ).first()
    return None if row is None else stored_context(row)


def stored_context(row: Row[Any]) -> StoredContext:
    """A row of ``SELECT {_COLUMNS}, channel_id, conversation_id, updated_at``."""
    return StoredContext(
        context=context_from(row),
        channel_id=row.channel_id,
        conversation_id=str(row.conversation_id) if row.conversation_id else None,
        updated_at=row.updated_at,
    )


def context_from(row: Row[Any]) -> Context:
    """A row of ``SELECT {_COLUMNS} FROM contexts``."""
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
