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

from sqlalchemy import text
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
                " FROM outbound_messages WHERE provider_message_id = :pm AND kind <> 'mark_read'"
                " ORDER BY created_at LIMIT 1 FOR UPDATE"
            ),
            {"pm": provider_message_id},
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
            "UPDATE outbound_status_events SET outbound_id = :id WHERE provider_message_id = :pm"
            " AND outbound_id IS NULL"
        ),
        {"id": outbound_id, "pm": provider_message_id},
    )
    return await _recompute(conn, outbound_id)


async def history(conn: AsyncConnection, outbound_id: str) -> list[dict[str, Any]]:
    rows = await conn.execute(
        text(
            "SELECT status, occurred_at, error_code, error_title, source, received_at FROM"
            " outbound_status_events WHERE outbound_id = :id ORDER BY received_at, id"
        ),
        {"id": outbound_id},
    )
    return [dict(r._mapping) for r in rows]


async def pending_for_reference(
    conn: AsyncConnection, client_reference: str
) -> tuple[str, str] | None:
    """(provider, provider message id) of a kept status that names the send, if any."""
    row = (
        await conn.execute(
            text(
                "SELECT provider, provider_message_id FROM outbound_status_events"
                " WHERE client_reference = :ref AND outbound_id IS NULL LIMIT 1"
            ),
            {"ref": client_reference},
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
        text("SELECT pg_advisory_xact_lock(hashtextextended(:pm, 0))"),
        {"pm": provider_message_id},
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
            " client_reference) VALUES (:o, :p, :c, :pm, :s, :at, :code, :title, :src, :ref)"
            " ON CONFLICT DO NOTHING RETURNING id"
        ),
        {
            "o": outbound_id,
            "p": provider,
            "c": channel_id,
            "pm": provider_message_id,
            "s": report.status,
            "at": report.occurred_at,
            "code": report.error_code,
            "title": report.error_title[:1000] if report.error_title else None,
            "src": source,
            "ref": client_reference,
        },
    )
    return result.first() is not None


async def _recompute(conn: AsyncConnection, outbound_id: str) -> Lifecycle:
    rows = await conn.execute(
        text(
            "SELECT status, occurred_at, error_code, error_title FROM outbound_status_events"
            " WHERE outbound_id = :id"
        ),
        {"id": outbound_id},
    )
    lifecycle = fold(
        [StatusReport(r.status, r.occurred_at, r.error_code, r.error_title) for r in rows]
    )
    at = lifecycle.at
    await conn.execute(
        text(
            "UPDATE outbound_messages SET status = :s, sent_at = :sent, delivered_at = :delivered,"
            " read_at = :read, failed_at = COALESCE(:failed, failed_at),"
            " error_code = CASE WHEN :failed IS NULL THEN error_code ELSE :code END,"
            " error_title = CASE WHEN :failed IS NULL THEN error_title ELSE :title END,"
            " updated_at = now() WHERE id = :id"
        ),
        {
            "id": outbound_id,
            "s": lifecycle.status,
            "sent": at.get("sent"),
            "delivered": at.get("delivered"),
            "read": at.get("read"),
            "failed": at.get("failed"),
            "code": lifecycle.error_code,
            "title": lifecycle.error_title,
        },
    )
    return lifecycle
