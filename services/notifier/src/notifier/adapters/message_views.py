"""Outbound messages as the notifier's API shows them: lifecycle status, times, errors."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncConnection

_COLUMNS = (
    "id, tenant_id, channel_id, to_phone, template, kind, body, status, provider,"
    " provider_message_id, attempts, error_code, error_title, last_error, next_attempt_at,"
    " created_at, sent_at, delivered_at, read_at, failed_at, reengagement_template"
)


@dataclass(frozen=True)
class MessageRecord:
    """One outbound message as stored (a row of ``_COLUMNS``)."""

    id: str
    tenant_id: str
    channel_id: str
    to_phone: str
    template: str
    kind: str
    body: str
    status: str
    provider: str | None
    provider_message_id: str | None
    attempts: int
    error_code: int | None
    error_title: str | None
    last_error: str | None
    next_attempt_at: datetime
    created_at: datetime
    sent_at: datetime | None
    delivered_at: datetime | None
    read_at: datetime | None
    failed_at: datetime | None
    reengagement_template: str | None


def message_record(row: Row[Any]) -> MessageRecord:
    """A row of ``SELECT {_COLUMNS} FROM outbound_messages``."""
    return MessageRecord(
        id=str(row.id),
        tenant_id=row.tenant_id,
        channel_id=row.channel_id,
        to_phone=row.to_phone,
        template=row.template,
        kind=row.kind,
        body=row.body,
        status=row.status,
        provider=row.provider,
        provider_message_id=row.provider_message_id,
        attempts=row.attempts,
        error_code=row.error_code,
        error_title=row.error_title,
        last_error=row.last_error,
        next_attempt_at=row.next_attempt_at,
        created_at=row.created_at,
        sent_at=row.sent_at,
        delivered_at=row.delivered_at,
        read_at=row.read_at,
        failed_at=row.failed_at,
        reengagement_template=row.reengagement_template,
    )


async def message_by_id(
    conn: AsyncConnection, tenant_id: str, outbound_id: str
) -> MessageRecord | None:
    return await _first(conn, "id = :outbound_id", {"outbound_id": outbound_id}, tenant_id)


async def message_by_provider_id(
    conn: AsyncConnection, tenant_id: str, provider_message_id: str
) -> MessageRecord | None:
    """The first message the provider's id names (the oldest, should it name several)."""
    return await _first(
        conn,
        "provider_message_id = :provider_message_id",
        {"provider_message_id": provider_message_id},
        tenant_id,
    )


async def _first(
    conn: AsyncConnection, where: str, params: dict[str, Any], tenant_id: str
) -> MessageRecord | None:
    row = (
        await conn.execute(
            text(
                f"SELECT {_COLUMNS} FROM outbound_messages WHERE {where} AND"
                " tenant_id = :tenant_id ORDER BY created_at LIMIT 1"
            ),
            {**params, "tenant_id": tenant_id},
        )
    ).first()
    return message_record(row) if row is not None else None
