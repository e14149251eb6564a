"""Status history of outbound messages and the lifecycle it adds up to.

Every status is stored once (``outbound_status_events``); the message's row holds the
lifecycle folded from all of them (``notifier.domain.lifecycle``), recomputed under the row's
lock whenever one arrives, so concurrent or reordered webhooks converge on the same row.
A webhook about an id no send has recorded is kept ``pending`` (outbound_id NULL) and joins
its message when the dispatcher records the send: the provider's status webhook can beat
the commit of the provider's own answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncConnection

from notifier.domain.lifecycle import Lifecycle, StatusReport, fold

Outcome = Literal["applied", "pending", "duplicate"]


@dataclass(frozen=True)
class Applied:
    outcome: Outcome
    before: str | None = None  # the message's status before this report
    after: Lifecycle | None = None
    message: dict[str, Any] | None = None  # the outbound row, when known


async def record_status(
    conn: AsyncConnection,
    *,
    provider: str,
    channel_id: str,
    provider_message_id: str,
    report: StatusReport,
    client_reference: str | None = None,
) -> Applied:
    await _one_at_a_time(conn, provider_message_id)
    row = (
        await conn.execute(
            text(
                "SELECT id, tenant_id, channel_id, to_phone, template, about_type, about_id,"
                " about_reference, status, provider, correlation_id, causation_id"
                " FROM outbound_messages WHERE provider_message_id = :provider_message_id"
                " AND kind <> 'mark_read' ORDER BY created_at LIMIT 1 FOR UPDATE"
            ),
            {"provider_message_id": provider_message_id},
        )
    ).first()
    outbound_id = str(row.id) if row is not None else None
    inserted = await _insert_event(
        conn,
        outbound_id=outbound_id,
        provider=provider,
        channel_id=channel_id,
        provider_message_id=provider_message_id,
        report=report,
        source="webhook",
        client_reference=client_reference,
    )
    if not inserted:
        return Applied("duplicate")
    if row is None:
        return Applied("pending")
    after = await _recompute(conn, str(row.id))
    return Applied("applied", before=row.status, after=after, message=dict(row._mapping))


async def record_send(
    conn: AsyncConnection,
    *,
    outbound_id: str,
    provider: str,
    channel_id: str,
    provider_message_id: str,
) -> Lifecycle:
    """The provider accepted the send: its 'sent', plus any status that came before it."""
    await _one_at_a_time(conn, provider_message_id)
    await _insert_event(
        conn,
        outbound_id=outbound_id,
        provider=provider,
        channel_id=channel_id,
        provider_message_id=provider_message_id,
        report=StatusReport("sent", datetime.now(UTC)),
        source="api",
    )
    await conn.execute(
        text(
            "UPDATE outbound_status_events SET outbound_id = :outbound_id"
            " WHERE provider_message_id = :provider_message_id AND outbound_id IS NULL"
        ),
        {"outbound_id": outbound_id, "provider_message_id": provider_message_id},
    )
    return await _recompute(conn, outbound_id)


@dataclass(frozen=True)
class StatusEvent:
    """One status of a message's history, as stored."""

    status: str
    occurred_at: datetime
    error_code: int | None
    error_title: str | None
    source: str
    received_at: datetime


def status_event(row: Row[Any]) -> StatusEvent:
    """A row of ``history``'s SELECT."""
    return StatusEvent(
        status=row.status,
        occurred_at=row.occurred_at,
        error_code=row.error_code,
        error_title=row.error_title,
        source=row.source,
        received_at=row.received_at,
    )


async def history(conn: AsyncConnection, outbound_id: str) -> list[StatusEvent]:
    rows = await conn.execute(
        text(
            "SELECT status, occurred_at, error_code, error_title, source, received_at FROM"
            " outbound_status_events WHERE outbound_id = :outbound_id ORDER BY received_at, id"
        ),
        {"outbound_id": outbound_id},
    )
    return [status_event(r) for r in rows]


async def pending_for_reference(
    conn: AsyncConnection, client_reference: str
) -> tuple[str, str] | None:
    """(provider, provider message id) of a kept status that names the send, if any."""
    row = (
        await conn.execute(
            text(
                "SELECT provider, provider_message_id FROM outbound_status_events"
                " WHERE client_reference = :client_reference AND outbound_id IS NULL LIMIT 1"
            ),
            {"client_reference": client_reference},
        )
    ).first()
    return (str(row.provider), str(row.provider_message_id)) if row is not None else None


async def pending_count(conn: AsyncConnection) -> int:
    query = "SELECT count(*) FROM outbound_status_events WHERE outbound_id IS NULL"
    return int((await conn.execute(text(query))).scalar_one())


async def _one_at_a_time(conn: AsyncConnection, provider_message_id: str) -> None:
    """Serialise a status and the record of its send, per provider message id, until commit.

    Without it a status can look for its message while the send's record is not yet
    committed, find none, and be kept as pending just after the record attached the pending
    ones: kept forever. With it, whichever comes second sees what the first committed."""
    await conn.execute(
        text("SELECT pg_advisory_xact_lock(hashtextextended(:provider_message_id, 0))"),
        {"provider_message_id": provider_message_id},
    )


async def _insert_event(
    conn: AsyncConnection,
    *,
    outbound_id: str | None,
    provider: str,
    channel_id: str,
    provider_message_id: str,
    report: StatusReport,
    source: str,
    client_reference: str | None = None,
) -> bool:
    result = await conn.execute(
        text(
            "INSERT INTO outbound_status_events (outbound_id, provider, channel_id,"
            " provider_message_id, status, occurred_at, error_code, error_title, source,"
            " client_reference) VALUES (:outbound_id, :provider, :channel_id, :provider_message_id,"
            " :status, :occurred_at, :error_code, :error_title, :source, :client_reference)"
            " ON CONFLICT DO NOTHING RETURNING id"
        ),
        {
            "outbound_id": outbound_id,
            "provider": provider,
            "channel_id": channel_id,
            "provider_message_id": provider_message_id,
            "status": report.status,
            "occurred_at": report.occurred_at,
            "error_code": report.error_code,
            "error_title": report.error_title[:1000] if report.error_title else None,
            "source": source,
            "client_reference": client_reference,
        },
    )
    return result.first() is not None


async def _recompute(conn: AsyncConnection, outbound_id: str) -> Lifecycle:
    rows = await conn.execute(
        text(
            "SELECT status, occurred_at, error_code, error_title FROM outbound_status_events"
            " WHERE outbound_id = :outbound_id"
        ),
        {"outbound_id": outbound_id},
    )
    lifecycle = fold(
        [StatusReport(r.status, r.occurred_at, r.error_code, r.error_title) for r in rows]
    )
    at = lifecycle.at
    await conn.execute(
        text(
            "UPDATE outbound_messages SET status = :status, sent_at = :sent_at,"
            " delivered_at = :delivered_at, read_at = :read_at,"
            " failed_at = COALESCE(:failed_at, failed_at),"
            " error_code = CASE WHEN :failed_at IS NULL THEN error_code ELSE :error_code END,"
            " error_title = CASE WHEN :failed_at IS NULL THEN error_title ELSE :error_title END,"
            " updated_at = now() WHERE id = :outbound_id"
        ),
        {
            "outbound_id": outbound_id,
            "status": lifecycle.status,
            "sent_at": at.get("sent"),
            "delivered_at": at.get("delivered"),
            "read_at": at.get("read"),
            "failed_at": at.get("failed"),
            "error_code": lifecycle.error_code,
            "error_title": lifecycle.error_title,
        },
    )
    return lifecycle
