"""The conversations and messages tables. Phones are stored sealed and looked up through
their blind index; message bodies are stored sealed (``adapters/sealing.py``)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncConnection

from conversation_engine.adapters.sealing import Sealer
from conversation_engine.domain.conversations import OpenConversation, Window

_COLUMNS = (
    "id, tenant_id, channel_id, phone_sealed, actor_role, profile_name, state, bound_object_type,"
    " bound_object_id, bound_reference, previous_conversation_id, started_at, last_inbound_at,"
    " expires_at"
)


@dataclass(frozen=True)
class ConversationRecord:
    """A stored conversation, its phone unsealed (a row of ``_COLUMNS``)."""

    id: str
    channel_id: str
    phone: str
    actor_role: str
    profile_name: str | None
    state: str
    bound_object_type: str | None
    bound_object_id: str | None
    bound_reference: str | None
    previous_conversation_id: str | None
    started_at: datetime
    last_inbound_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class MessageRecord:
    """A stored message, its body unsealed."""

    id: int
    direction: str
    provider_message_id: str | None
    kind: str
    body: str | None
    sent_at: datetime | None
    received_at: datetime


@dataclass(frozen=True)
class BoundConversation:
    """Where a conversation that was just bound is: its channel and phone."""

    channel_id: str
    phone: str


def conversation_record(row: Row[Any], sealer: Sealer) -> ConversationRecord:
    """A row of ``SELECT {_COLUMNS} FROM conversations``."""
    return ConversationRecord(
        id=str(row.id),
        channel_id=row.channel_id,
        phone=sealer.unseal(row.phone_sealed),
        actor_role=row.actor_role,
        profile_name=row.profile_name,
        state=row.state,
        bound_object_type=row.bound_object_type,
        bound_object_id=row.bound_object_id,
        bound_reference=row.bound_reference,
        previous_conversation_id=(
            str(row.previous_conversation_id) if row.previous_conversation_id else None
        ),
        started_at=row.started_at,
        last_inbound_at=row.last_inbound_at,
        expires_at=row.expires_at,
    )


def message_record(row: Row[Any], sealer: Sealer) -> MessageRecord:
    """A row of ``conversation_with_messages``'s messages SELECT."""
    return MessageRecord(
        id=row.id,
        direction=row.direction,
        provider_message_id=row.provider_message_id,
        kind=row.kind,
        body=sealer.unseal_optional(row.body_sealed),
        sent_at=row.sent_at,
        received_at=row.received_at,
    )


def open_conversation_of(row: Row[Any]) -> OpenConversation:
    """A row of ``lock_open_conversation``'s SELECT."""
    return OpenConversation(
        id=str(row.id),
        actor_role=row.actor_role,
        profile_name=row.profile_name,
        last_inbound_at=row.last_inbound_at,
        expires_at=row.expires_at,
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
            text("SELECT 1 FROM messages WHERE provider_message_id = :provider_message_id"),
            {"provider_message_id": provider_message_id},
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
                " FROM conversations WHERE tenant_id = :tenant_id AND channel_id = :channel_id"
                " AND phone_index = :phone_index AND state = 'OPEN' FOR UPDATE"
            ),
            {"tenant_id": tenant_id, "channel_id": channel_id, "phone_index": sealer.index(phone)},
        )
    ).first()
    return None if row is None else open_conversation_of(row)


async def expire(conn: AsyncConnection, conversation_id: str) -> None:
    await conn.execute(
        text(
            "UPDATE conversations SET state = 'EXPIRED'"
            " WHERE id = :conversation_id AND state = 'OPEN'"
        ),
        {"conversation_id": uuid.UUID(conversation_id)},
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
            " VALUES (:conversation_id, :tenant_id, :channel_id, :phone_index, :phone_sealed,"
            " :actor_role, :profile_name, 'OPEN', :previous_conversation_id, :last_inbound_at,"
            " :last_inbound_at, :expires_at)"
        ),
        {
            "conversation_id": conversation_id,
            "tenant_id": tenant_id,
            "channel_id": channel_id,
            "phone_index": sealer.index(phone),
            "phone_sealed": sealer.seal(phone),
            "actor_role": actor_role,
            "profile_name": profile_name,
            "previous_conversation_id": uuid.UUID(previous_id) if previous_id else None,
            "last_inbound_at": window.last_inbound_at,
            "expires_at": window.expires_at,
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
            "UPDATE conversations SET actor_role = :actor_role, profile_name = :profile_name,"
            " last_inbound_at = :last_inbound_at, expires_at = :expires_at"
            " WHERE id = :conversation_id"
        ),
        {
            "conversation_id": uuid.UUID(conversation_id),
            "actor_role": actor_role,
            "profile_name": profile_name,
            "last_inbound_at": window.last_inbound_at,
            "expires_at": window.expires_at,
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
                " body_sealed, sent_at, received_at) VALUES (:conversation_id, :direction,"
                " :provider_message_id, :kind, :body_sealed, :sent_at, :received_at)"
                " ON CONFLICT (provider_message_id) DO NOTHING RETURNING id"
            ),
            {
                "conversation_id": uuid.UUID(conversation_id),
                "direction": direction,
                "provider_message_id": provider_message_id,
                "kind": kind,
                "body_sealed": sealer.seal_optional(body),
                "sent_at": sent_at,
                "received_at": received_at,
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
) -> BoundConversation | None:
    """Bind the conversation to a business object. Returns the conversation's channel and
    phone if the binding changed, None if it was already so bound or does not exist."""
    row = (
        await conn.execute(
            text(
                "UPDATE conversations SET bound_object_type = :object_type,"
                " bound_object_id = :object_id, bound_reference = :reference"
                " WHERE id = :conversation_id AND tenant_id = :tenant_id"
                " AND (bound_object_type, bound_object_id, bound_reference)"
                " IS DISTINCT FROM (:object_type, :object_id, :reference)"
                " RETURNING channel_id, phone_sealed"
            ),
            {
                "conversation_id": conversation_id,
                "tenant_id": tenant_id,
                "object_type": object_type,
                "object_id": object_id,
                "reference": reference,
            },
        )
    ).first()
    if row is None:
        return None
    return BoundConversation(channel_id=row.channel_id, phone=sealer.unseal(row.phone_sealed))


async def conversation_with_messages(
    conn: AsyncConnection, sealer: Sealer, tenant_id: str, conversation_id: uuid.UUID, limit: int
) -> tuple[ConversationRecord, list[MessageRecord]] | None:
    row = (
        await conn.execute(
            text(
                f"SELECT {_COLUMNS} FROM conversations"
                " WHERE id = :conversation_id AND tenant_id = :tenant_id"
            ),
            {"conversation_id": conversation_id, "tenant_id": tenant_id},
        )
    ).first()
    if row is None:
        return None
    conversation = conversation_record(row, sealer)
    messages = await conn.execute(
        text(
            "SELECT id, direction, provider_message_id, kind, body_sealed, sent_at, received_at"
            " FROM messages WHERE conversation_id = :conversation_id ORDER BY id LIMIT :limit"
        ),
        {"conversation_id": conversation_id, "limit": limit},
    )
    return conversation, [message_record(m, sealer) for m in messages]


async def conversations_of(
    conn: AsyncConnection,
    sealer: Sealer,
    tenant_id: str,
    phone: str,
    channel_id: str | None,
    limit: int,
) -> list[ConversationRecord]:
    """A phone's conversations, newest first (optionally on one channel)."""
    rows = await conn.execute(
        text(
            f"SELECT {_COLUMNS} FROM conversations WHERE tenant_id = :tenant_id"
            " AND phone_index = :phone_index"
            " AND (CAST(:channel_id AS text) IS NULL OR channel_id = :channel_id)"
            " ORDER BY started_at DESC, id LIMIT :limit"
        ),
        {
            "tenant_id": tenant_id,
            "phone_index": sealer.index(phone),
            "channel_id": channel_id,
            "limit": limit,
        },
    )
    return [conversation_record(r, sealer) for r in rows]
