"""The outbound_messages table: queue, claim, and record the outcome of each send."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncConnection

from notifier.domain.content import Content, Text, parse_content, summary

NOTIFY_CHANNEL = "waops_notifier_outbound"
_OUTBOUND_COLUMNS = (
    "id, tenant_id, channel_id, to_phone, template, body, about_type, about_id,"
    " about_reference, attempts, correlation_id, causation_id, traceparent, kind, content"
)


@dataclass(frozen=True)
class Outbound:
    id: str
    tenant_id: str
    channel_id: str
    to_phone: str
    template: str
    body: str
    about_type: str | None
    about_id: str | None
    about_reference: str | None
    attempts: int
    correlation_id: str
    causation_id: str
    traceparent: str | None
    kind: str = "text"
    content: Any = None  # the stored JSON of a non-text message

    def message(self) -> Content:
        if self.content is None:
            return Text(body=self.body)
        data = json.loads(self.content) if isinstance(self.content, str) else self.content
        return parse_content(data)


async def queue_message(
    conn: AsyncConnection, *, content: Content | None = None, **row: Any
) -> bool:
    """Queue one message; False when the same cause already queued it (a duplicate).

    ``content`` (any kind) or, for a plain text, just ``body``."""
    if content is not None:
        row.setdefault("body", summary(content))
    result = await conn.execute(
        text(
            "INSERT INTO outbound_messages (id, tenant_id, dedupe_key, channel_id, to_phone,"
            " template, language, body, about_type, about_id, about_reference, correlation_id,"
            " causation_id, traceparent, kind, content) VALUES (:id, :tenant_id, :dedupe_key,"
            " :channel_id, :to_phone, :template, :language, :body, :about_type, :about_id,"
            " :about_reference, :correlation_id, :causation_id, :traceparent, :kind,"
            " CAST(:content AS jsonb)) ON CONFLICT (dedupe_key) DO NOTHING RETURNING id"
        ),
        {
            "id": str(uuid.uuid4()),
            "about_type": None,
            "about_id": None,
            "about_reference": None,
            "traceparent": None,
            **row,
            "kind": content.kind if content is not None else "text",
            "content": content.model_dump_json() if content is not None else None,
        },
    )
    queued = result.first() is not None
    if queued:
        await conn.execute(text(f"NOTIFY {NOTIFY_CHANNEL}"))
    return queued


async def claim_due(
    conn: AsyncConnection,
    limit: int,
    lease_seconds: float,
    *,
    paused_channels: list[str] | None = None,
    halt_resume_after: float = 0.0,
) -> list[Outbound]:
    """Lease due messages to this sender. A lease that runs out is never simply taken
    again: the send may have reached the provider (``expire_leases``).

    Only each recipient's oldest pending message (by ``seq``) is claimable, so one person's
    messages go out in the order they were queued: one waiting for a retry holds back the
    later ones to that person until it is sent or finally fails (``sent``/``failed`` rows
    never block); other recipients are unaffected.
    Messages of a halted channel (until resumed, or ``halt_resume_after`` seconds) and of
    channels this sender has paused (open circuit) are left where they are."""
    rows = await conn.execute(
        text(
            "UPDATE outbound_messages SET status = 'sending', attempts = attempts + 1,"
            " claimed_until = now() + make_interval(secs => :lease_seconds),"
            " updated_at = now()"
            " WHERE id IN (SELECT id FROM outbound_messages o WHERE next_attempt_at <= now() AND"
            " status = 'queued'"
            " AND NOT EXISTS (SELECT 1 FROM outbound_messages earlier WHERE"
            " earlier.channel_id = o.channel_id AND earlier.to_phone = o.to_phone"
            " AND earlier.status IN ('queued', 'sending', 'unknown') AND earlier.seq < o.seq)"
            " AND NOT (channel_id = ANY(:paused_channels))"
            " AND channel_id NOT IN (SELECT channel_id FROM channel_halts WHERE resumed_at IS"
            " NULL AND (:halt_resume_after <= 0 OR"
            " halted_at > now() - make_interval(secs => :halt_resume_after)))"
            " ORDER BY next_attempt_at, seq LIMIT :limit FOR UPDATE SKIP LOCKED)"
            f" RETURNING {_OUTBOUND_COLUMNS}"
        ),
        {
            "limit": limit,
            "lease_seconds": lease_seconds,
            "paused_channels": list(paused_channels or []),
            "halt_resume_after": halt_resume_after,
        },
    )
    return [_outbound(r) for r in rows]


# ------------------------------------------------------------------ unknown outcomes


async def expire_leases(conn: AsyncConnection) -> list[str]:
    """Sends whose sender's lease ran out become 'unknown': the sender died mid-send or
    could not record the provider's answer, so the provider may have accepted them."""
    rows = await conn.execute(
        text(
            "UPDATE outbound_messages SET status = 'unknown', unknown_since = now(),"
            " claimed_until = NULL, updated_at = now(),"
            " last_error = 'send outcome unknown: the lease of its sender ran out'"
            " WHERE status = 'sending' AND claimed_until < now() RETURNING id"
        )
    )
    return [str(r.id) for r in rows]


async def unknown_older_than(conn: AsyncConnection, seconds: float) -> list[Outbound]:
    """Unknown sends the provider has said nothing about for ``seconds``, locked."""
    rows = await conn.execute(
        text(
            f"SELECT {_OUTBOUND_COLUMNS} FROM outbound_messages WHERE status = 'unknown'"
            " AND unknown_since < now() - make_interval(secs => :unknown_for_seconds)"
            " ORDER BY unknown_since LIMIT 100 FOR UPDATE SKIP LOCKED"
        ),
        {"unknown_for_seconds": seconds},
    )
    return [_outbound(r) for r in rows]


async def requeue_unknown(conn: AsyncConnection, message_id: str) -> None:
    """Send it again: no status ever named it, so the provider most likely never took it."""
    await conn.execute(
        text(
            "UPDATE outbound_messages SET status = 'queued', next_attempt_at = now(),"
            " unknown_since = NULL, updated_at = now() WHERE id = :message_id AND status = 'unknown'"
        ),
        {"message_id": message_id},
    )
    await conn.execute(text(f"NOTIFY {NOTIFY_CHANNEL}"))


async def lock_unknown(conn: AsyncConnection, message_id: str) -> Outbound | None:
    """The message, locked, if its send's outcome is unknown (else None)."""
    try:
        uuid.UUID(message_id)
    except ValueError:
        return None  # a reference that is not ours
    row = (
        await conn.execute(
            text(
                f"SELECT {_OUTBOUND_COLUMNS} FROM outbound_messages WHERE id = :message_id"
                " AND status = 'unknown' FOR UPDATE"
            ),
            {"message_id": message_id},
        )
    ).first()
    return _outbound(row) if row is not None else None


async def pending_by_status(conn: AsyncConnection) -> dict[str, int]:
    """How many messages wait in each unsettled status (the send backlog)."""
    rows = await conn.execute(
        text(
            "SELECT status, count(*) AS n FROM outbound_messages"
            " WHERE status IN ('queued', 'sending', 'unknown') GROUP BY status"
        )
    )
    found = {str(r.status): int(r.n) for r in rows}
    return {status: found.get(status, 0) for status in ("queued", "sending", "unknown")}


def _outbound(row: Any) -> Outbound:
    return Outbound(**{**row._mapping, "id": str(row.id)})


# ``reengagement_template`` on each outcome: what the attempt went out as (the re-engagement
# template's name when the customer-service window was closed; None: as queued).


async def mark_sent(
    conn: AsyncConnection,
    message_id: str,
    provider: str,
    provider_message_id: str,
    *,
    reengagement_template: str | None = None,
) -> bool:
    """Record the provider's acceptance; False when it was recorded already (a status
    webhook reconciled the send while its sender was still trying to record it)."""
    result = await conn.execute(
        text(
            "UPDATE outbound_messages SET status = 'sent', provider = :provider,"
            " provider_message_id = :provider_message_id, sent_at = now(), claimed_until = NULL,"
            " last_error = NULL, updated_at = now(), unknown_since = NULL,"
            " reengagement_template = :reengagement_template"
            " WHERE id = :message_id AND status IN ('sending', 'unknown') RETURNING id"
        ),
        {
            "message_id": message_id,
            "provider": provider,
            "provider_message_id": provider_message_id,
            "reengagement_template": reengagement_template,
        },
    )
    return result.first() is not None


async def mark_retry(
    conn: AsyncConnection,
    message_id: str,
    error: str,
    at: datetime,
    *,
    reengagement_template: str | None = None,
) -> None:
    await conn.execute(
        text(
            "UPDATE outbound_messages SET status = 'queued', last_error = :error,"
            " next_attempt_at = :next_attempt_at, claimed_until = NULL, updated_at = now(),"
            " reengagement_template = :reengagement_template WHERE id = :message_id"
        ),
        {
            "message_id": message_id,
            "error": error[:1000],
            "next_attempt_at": at,
            "reengagement_template": reengagement_template,
        },
    )


async def release(
    conn: AsyncConnection, message_id: str, at: datetime, reason: str | None = None
) -> None:
    """Give a claimed message back, its attempt not counted: it was never tried (its channel
    is halted or its circuit open)."""
    await conn.execute(
        text(
            "UPDATE outbound_messages SET status = 'queued', attempts = GREATEST(attempts - 1, 0),"
            " next_attempt_at = :next_attempt_at, last_error = COALESCE(:reason, last_error),"
            " claimed_until = NULL, updated_at = now() WHERE id = :message_id"
        ),
        {
            "message_id": message_id,
            "next_attempt_at": at,
            "reason": reason[:1000] if reason else None,
        },
    )


async def mark_failed(
    conn: AsyncConnection,
    message_id: str,
    code: int | None,
    error: str,
    *,
    reengagement_template: str | None = None,
) -> None:
    await conn.execute(
        text(
            "UPDATE outbound_messages SET status = 'failed', error_code = :error_code,"
            " last_error = :error, error_title = :error, failed_at = now(), claimed_until = NULL,"
            " updated_at = now(), reengagement_template = :reengagement_template"
            " WHERE id = :message_id"
        ),
        {
            "message_id": message_id,
            "error_code": code,
            "error": error[:1000],
            "reengagement_template": reengagement_template,
        },
    )


# ------------------------------------------------------------------------- channel halts


async def halt_channel(
    conn: AsyncConnection, channel_id: str, provider: str, code: int | None, reason: str
) -> None:
    await conn.execute(
        text(
            "INSERT INTO channel_halts (channel_id, provider, code, reason) VALUES (:channel_id,"
            " :provider, :code, :reason) ON CONFLICT (channel_id) DO UPDATE SET"
            " provider = :provider, code = :code, reason = :reason,"
            " halted_at = now(), resumed_at = NULL"
        ),
        {"channel_id": channel_id, "provider": provider, "code": code, "reason": reason[:1000]},
    )


async def resume_channel(conn: AsyncConnection, channel_id: str) -> bool:
    """Lift a halt; False when the channel was not halted. Its messages are due at once."""
    result = await conn.execute(
        text(
            "UPDATE channel_halts SET resumed_at = now() WHERE channel_id = :channel_id"
            " AND resumed_at IS NULL RETURNING channel_id"
        ),
        {"channel_id": channel_id},
    )
    if result.first() is None:
        return False
    await conn.execute(
        text(
            "UPDATE outbound_messages SET next_attempt_at = now() WHERE channel_id = :channel_id"
            " AND status = 'queued'"
        ),
        {"channel_id": channel_id},
    )
    await conn.execute(text(f"NOTIFY {NOTIFY_CHANNEL}"))
    return True


@dataclass(frozen=True)
class ChannelHalt:
    """A channel the provider halted (``resumed_at`` set once an operator lifted it)."""

    channel_id: str
    provider: str | None
    code: int | None
    reason: str
    halted_at: datetime
    resumed_at: datetime | None


def channel_halt_of(row: Row[Any]) -> ChannelHalt:
    """A row of ``SELECT channel_id, provider, code, reason, halted_at, resumed_at``."""
    return ChannelHalt(
        channel_id=row.channel_id,
        provider=row.provider,
        code=row.code,
        reason=row.reason,
        halted_at=row.halted_at,
        resumed_at=row.resumed_at,
    )


async def channel_halt(conn: AsyncConnection, channel_id: str) -> ChannelHalt | None:
    row = (
        await conn.execute(
            text(
                "SELECT channel_id, provider, code, reason, halted_at, resumed_at FROM"
                " channel_halts WHERE channel_id = :channel_id"
            ),
            {"channel_id": channel_id},
        )
    ).first()
    return channel_halt_of(row) if row is not None else None


async def queued_count(conn: AsyncConnection, channel_id: str) -> int:
    return int(
        (
            await conn.execute(
                text(
                    "SELECT count(*) FROM outbound_messages WHERE channel_id = :channel_id"
                    " AND status IN ('queued', 'sending')"
                ),
                {"channel_id": channel_id},
            )
        ).scalar_one()
    )
