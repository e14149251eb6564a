"""The conversations and messages tables. Phones are stored sealed and looked up through
their blind index; message bodies are stored sealed (``adapters/sealing.py``)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from conversation_engine.adapters.sealing import Sealer
from conversation_engine.domain.conversations import OpenConversation, Window

_COLUMNS = (
    "id, tenant_id, channel_id, phone_sealed, actor_role, profile_name, state, bound_object_type,"
    " bound_object_id, bound_reference, previous_conversation_id, started_at, last_inbound_at,"
    " expires_at"
)


def parse_id(raw: str) -> uuid.UUID | None:
    """Conversation ids are UUIDs; anything else names no conversation."""
    try:
        return uuid.UUID(str(raw))
    except ValueError:
        return None


async def message_known(conn: AsyncConnection, provider_message_id: str) -> bool:
    row = (
        await conn.execute(
            text("SELECT 1 FROM messages WHERE provider_message_id = :m"),
            {"m": provider_message_id},
        )
    ).first()
    return row is not None


async def lock_open_conversation(
    conn: AsyncConnection, sealer: Sealer, tenant_id: str, channel_id: str, phone: str
) -> OpenConversation | None:
    """The phone's open conversation on this channel, locked for this transaction."""
    row = (
        await conn.execute(
            text(
                "SELECT id, actor_role, profile_name, last_inbound_at, expires_at"
                " FROM conversations WHERE tenant_id = :t AND channel_id = :c"
                " AND phone_index = :i AND state = 'OPEN' FOR UPDATE"
            ),
            {"t": tenant_id, "c": channel_id, "i": sealer.index(phone)},
        )
    ).first()
    if row is None:
        return None
    return OpenConversation(
        id=str(row.id),
        actor_role=row.actor_role,
        profile_name=row.profile_name,
        last_inbound_at=row.last_inbound_at,
        expires_at=row.expires_at,
    )


async def expire(conn: AsyncConnection, conversation_id: str) -> None:
    await conn.execute(
        text("UPDATE conversations SET state = 'EXPIRED' WHERE id = :id AND state = 'OPEN'"),
        {"id": uuid.UUID(conversation_id)},
    )


async def open_conversation(
    conn: AsyncConnection,
    sealer: Sealer,
    *,
    tenant_id: str,
    channel_id: str,
    phone: str,
    actor_role: str,
    profile_name: str | None,
    window: Window,
    previous_id: str | None,
) -> str:
    """Open a conversation. Two openers racing for one phone collide on the one-open index;
    the loser's transaction fails and its retry finds the winner's conversation."""
    conversation_id = uuid.uuid4()
    await conn.execute(
        text(
            "INSERT INTO conversations (id, tenant_id, channel_id, phone_index, phone_sealed,"
            " actor_role, profile_name, state, previous_conversation_id, started_at,"
            " last_inbound_at, expires_at)"
            " VALUES (:id, :t, :c, :i, :p, :r, :n, 'OPEN', :prev, :at, :at, :exp)"
        ),
        {
            "id": conversation_id,
            "t": tenant_id,
            "c": channel_id,
            "i": sealer.index(phone),
            "p": sealer.seal(phone),
            "r": actor_role,
            "n": profile_name,
            "prev": uuid.UUID(previous_id) if previous_id else None,
            "at": window.last_inbound_at,
            "exp": window.expires_at,
        },
    )
    return str(conversation_id)


async def continue_conversation(
    conn: AsyncConnection,
    conversation_id: str,
    *,
    actor_role: str,
    profile_name: str | None,
    window: Window,
) -> None:
    await conn.execute(
        text(
            "UPDATE conversations SET actor_role = :r, profile_name = :n,"
            " last_inbound_at = :last, expires_at = :exp WHERE id = :id"
        ),
        {
            "id": uuid.UUID(conversation_id),
            "r": actor_role,
            "n": profile_name,
            "last": window.last_inbound_at,
            "exp": window.expires_at,
        },
    )


async def record_message(
    conn: AsyncConnection,
    sealer: Sealer,
    *,
    conversation_id: str,
    direction: str,
    provider_message_id: str | None,
    kind: str,
    body: str | None,
    sent_at: datetime | None,
    received_at: datetime,
) -> bool:
    """Record a message; False if its provider id was already recorded (nothing changes)."""
    row = (
        await conn.execute(
            text(
                "INSERT INTO messages (conversation_id, direction, provider_message_id, kind,"
                " body_sealed, sent_at, received_at) VALUES (:c, :d, :m, :k, :b, :s, :r)"
                " ON CONFLICT (provider_message_id) DO NOTHING RETURNING id"
            ),
            {
                "c": uuid.UUID(conversation_id),
                "d": direction,
                "m": provider_message_id,
                "k": kind,
                "b": sealer.seal_optional(body),
                "s": sent_at,
                "r": received_at,
            },
        )
    ).first()
    return row is not None


async def bind(
    conn: AsyncConnection,
    sealer: Sealer,
    tenant_id: str,
    conversation_id: uuid.UUID,
    *,
    object_type: str,
    object_id: str,
    reference: str | None,
) -> dict[str, Any] | None:
    """Bind the conversation to a business object. Returns the conversation's channel and
    phone if the binding changed, None if it was already so bound or does not exist."""
    row = (
        await conn.execute(
            text(
                "UPDATE conversations SET bound_object_type = :ot, bound_object_id = :oi,"
                " bound_reference = :ref WHERE id = :id AND tenant_id = :t"
                " AND (bound_object_type, bound_object_id, bound_reference)"
                " IS DISTINCT FROM (:ot, :oi, :ref)"
                " RETURNING channel_id, phone_sealed"
            ),
            {
                "id": conversation_id,
                "t": tenant_id,
                "ot": object_type,
                "oi": object_id,
                "ref": reference,
            },
        )
    ).first()
    if row is None:
        return None
    return {"channel_id": row.channel_id, "phone": sealer.unseal(row.phone_sealed)}


def _conversation_json(r: Any, sealer: Sealer) -> dict[str, Any]:
    bound = None
    if r.bound_object_type:
        bound = {
            "type": r.bound_object_type,
            "id": r.bound_object_id,
            "reference": r.bound_reference,
        }
    return {
        "id": str(r.id),
        "channel_id": r.channel_id,
        "phone": sealer.unseal(r.phone_sealed),
        "actor_role": r.actor_role,
        "profile_name": r.profile_name,
        "state": r.state,
        "bound_object": bound,
        "previous_conversation_id": (
            str(r.previous_conversation_id) if r.previous_conversation_id else None
        ),
        "started_at": r.started_at.isoformat(),
        "last_inbound_at": r.last_inbound_at.isoformat(),
        "expires_at": r.expires_at.isoformat(),
    }


async def conversation_with_messages(
    conn: AsyncConnection, sealer: Sealer, tenant_id: str, conversation_id: uuid.UUID, limit: int
) -> dict[str, Any] | None:
    row = (
        await conn.execute(
            text(f"SELECT {_COLUMNS} FROM conversations WHERE id = :id AND tenant_id = :t"),
            {"id": conversation_id, "t": tenant_id},
        )
    ).first()
    if row is None:
        return None
    conversation = _conversation_json(row, sealer)
    messages = await conn.execute(
        text(
            "SELECT id, direction, provider_message_id, kind, body_sealed, sent_at, received_at"
            " FROM messages WHERE conversation_id = :id ORDER BY id LIMIT :limit"
        ),
        {"id": conversation_id, "limit": limit},
    )
    conversation["messages"] = [
        {
            "id": m.id,
            "direction": m.direction,
            "provider_message_id": m.provider_message_id,
            "kind": m.kind,
            "body": sealer.unseal_optional(m.body_sealed),
            "sent_at": m.sent_at.isoformat() if m.sent_at else None,
            "received_at": m.received_at.isoformat(),
        }
        for m in messages
    ]
    return conversation


async def conversations_of(
    conn: AsyncConnection,
    sealer: Sealer,
    tenant_id: str,
    phone: str,
    channel_id: str | None,
    limit: int,
) -> list[dict[str, Any]]:
    """A phone's conversations, newest first (optionally on one channel)."""
    rows = await conn.execute(
        text(
            f"SELECT {_COLUMNS} FROM conversations WHERE tenant_id = :t AND phone_index = :p"
            " AND (CAST(:c AS text) IS NULL OR channel_id = :c)"
            " ORDER BY started_at DESC, id LIMIT :limit"
        ),
        {"t": tenant_id, "p": sealer.index(phone), "c": channel_id, "limit": limit},
    )
    return [_conversation_json(r, sealer) for r in rows]
