"""The audit_logs table: append under a per-tenant lock, page through, verify the chain."""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from audit.domain import GENESIS, ChainLink, ChainVerifier, CommandFact, Verification, chain_hash

_FACT_COLUMNS = [f.name for f in fields(CommandFact)]

# Serialises appends per tenant across transactions, consumers and replicas; the lock is
# released at commit, after the new head is visible to the next holder.
_LOCK = text("SELECT pg_advisory_xact_lock(hashtextextended('waops-audit:' || :t, 0))")
_SEEN = text("SELECT 1 FROM audit_logs WHERE event_id = :e")
_HEAD = text("SELECT seq, hash FROM audit_logs WHERE tenant_id = :t ORDER BY seq DESC LIMIT 1")
_NOW = text("SELECT clock_timestamp()")
_INSERT_COLUMNS = [*_FACT_COLUMNS, "seq", "recorded_at", "prev_hash", "hash"]
_INSERT = text(
    f"INSERT INTO audit_logs ({', '.join(_INSERT_COLUMNS)}) VALUES ("
    + ", ".join("CAST(:actor AS jsonb)" if c == "actor" else f":{c}" for c in _INSERT_COLUMNS)
    + ")"
)
_ENTRY_COLUMNS = (
    "seq, outcome, command_id, command_name, actor, object_type, object_id, object_reference,"
    " code, reason, conversation_id, event_id, correlation_id, occurred_at, recorded_at,"
    " hash, prev_hash"
)


async def append(conn: AsyncConnection, fact: CommandFact) -> int | None:
    """Chain ``fact`` onto its tenant's log; the new seq, or None if the event is already in."""
    await conn.execute(_LOCK, {"t": fact.tenant_id})
    if (await conn.execute(_SEEN, {"e": fact.event_id})).first() is not None:
        return None
    head = (await conn.execute(_HEAD, {"t": fact.tenant_id})).first()
    seq, prev_hash = (head.seq + 1, head.hash) if head else (1, GENESIS)
    recorded_at = (await conn.execute(_NOW)).scalar_one()  # one clock for every replica
    params: dict[str, Any] = {c: getattr(fact, c) for c in _FACT_COLUMNS}
    params.update(
        actor=json.dumps(fact.actor),
        seq=seq,
        recorded_at=recorded_at,
        prev_hash=prev_hash,
        hash=chain_hash(prev_hash, fact, seq=seq, recorded_at=recorded_at),
    )
    await conn.execute(_INSERT, params)
    return seq


@dataclass(frozen=True)
class AuditFilter:
    """Optional equality filters of the audit API (None = any)."""

    outcome: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    command_id: str | None = None


async def entries_page(
    conn: AsyncConnection, tenant_id: str, where: AuditFilter, *, after: int, limit: int
) -> tuple[list[dict[str, Any]], int | None]:
    """Entries with seq > ``after`` in seq order, and the cursor of the next page (or None)."""
    conditions = ["tenant_id = :t", "seq > :after"]
    params: dict[str, Any] = {"t": tenant_id, "after": after, "limit": limit + 1}
    for column in ("outcome", "object_type", "object_id", "command_id"):
        value = getattr(where, column)
        if value is not None:
            conditions.append(f"{column} = :{column}")
            params[column] = value
    rows = (
        await conn.execute(
            text(
                f"SELECT {_ENTRY_COLUMNS} FROM audit_logs WHERE {' AND '.join(conditions)}"
                " ORDER BY seq LIMIT :limit"
            ),
            params,
        )
    ).mappings()
    entries = [_entry_json(r) for r in rows]
    more = len(entries) > limit  # one row past the page says whether a next page exists
    entries = entries[:limit]
    return entries, (entries[-1]["seq"] if more else None)


def _entry_json(row: Any) -> dict[str, Any]:
    entry = dict(row)
    for key in ("occurred_at", "recorded_at"):
        entry[key] = entry[key].isoformat()
    return entry


async def verify_chain(conn: AsyncConnection, tenant_id: str) -> Verification:
    """Recompute the tenant's whole chain, streaming it in seq order."""
    verifier = ChainVerifier()
    result = await conn.stream(
        text(
            f"SELECT {', '.join(_FACT_COLUMNS)}, seq, recorded_at, prev_hash, hash"
            " FROM audit_logs WHERE tenant_id = :t ORDER BY seq"
        ),
        {"t": tenant_id},
    )
    async for row in result.mappings():
        link = ChainLink(
            seq=row["seq"],
            prev_hash=row["prev_hash"],
            hash=row["hash"],
            recorded_at=row["recorded_at"],
            fact=CommandFact(**{c: row[c] for c in _FACT_COLUMNS}),
        )
        if not verifier.add(link):
            break
    return verifier.result()
