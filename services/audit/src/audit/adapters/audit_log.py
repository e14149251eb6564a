"""The audit_logs table: append under a per-tenant lock, page through, verify the chain."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from typing import Any

from sqlalchemy import RowMapping, text
from sqlalchemy.ext.asyncio import AsyncConnection

from audit.domain.chain import (
    GENESIS,
    ChainLink,
    ChainVerifier,
    CommandFact,
    Verification,
    chain_hash,
)

_FACT_COLUMNS = [f.name for f in fields(CommandFact)]

# Serialises appends per tenant across transactions, consumers and replicas; the lock is
# released at commit, after the new head is visible to the next holder.
_LOCK = text("SELECT pg_advisory_xact_lock(hashtextextended('waops-audit:' || :tenant_id, 0))")
# The head (no row for a new tenant) and the database's clock (one clock for every replica).
_HEAD = text(
    "SELECT h.seq, h.hash, clock_timestamp() AS now FROM (SELECT 1) AS one LEFT JOIN LATERAL"
    " (SELECT seq, hash FROM audit_logs WHERE tenant_id = :tenant_id ORDER BY seq DESC LIMIT 1) AS h"
    " ON true"
)
_STORED_COLUMNS = ["seq", *_FACT_COLUMNS, "recorded_at", "prev_hash", "hash"]
# The log's own idempotency (event_id is unique), beneath the inbox's.
_INSERT = text(
    f"INSERT INTO audit_logs ({', '.join(_STORED_COLUMNS)}) VALUES ("
    + ", ".join("CAST(:actor AS jsonb)" if c == "actor" else f":{c}" for c in _STORED_COLUMNS)
    + ") ON CONFLICT (event_id) DO NOTHING RETURNING seq"
)
_SELECT_STORED = f"SELECT {', '.join(_STORED_COLUMNS)} FROM audit_logs"


def chain_link(row: RowMapping) -> ChainLink:
    """A row of ``_SELECT_STORED``: one stored entry, its fact and its place in the chain."""
    return ChainLink(
        seq=row["seq"],
        prev_hash=row["prev_hash"],
        hash=row["hash"],
        recorded_at=row["recorded_at"],
        fact=CommandFact(**{c: row[c] for c in _FACT_COLUMNS}),
    )


async def append(conn: AsyncConnection, fact: CommandFact) -> int | None:
    """Chain ``fact`` onto its tenant's log; the new seq, or None if the event is already in."""
    await conn.execute(_LOCK, {"tenant_id": fact.tenant_id})
    head = (await conn.execute(_HEAD, {"tenant_id": fact.tenant_id})).one()
    seq, prev_hash = (head.seq + 1, head.hash) if head.seq is not None else (1, GENESIS)
    params: dict[str, Any] = {c: getattr(fact, c) for c in _FACT_COLUMNS}
    params.update(
        actor=json.dumps(fact.actor),
        seq=seq,
        recorded_at=head.now,
        prev_hash=prev_hash,
        hash=chain_hash(prev_hash, fact, seq=seq, recorded_at=head.now),
    )
    inserted = (await conn.execute(_INSERT, params)).first()
    return seq if inserted is not None else None


@dataclass(frozen=True)
class AuditFilter:
    """Optional equality filters of the audit API (None = any)."""

    outcome: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    command_id: str | None = None


async def entries_page(
    conn: AsyncConnection, tenant_id: str, where: AuditFilter, *, after: int, limit: int
) -> tuple[list[ChainLink], int | None]:
    """Entries with seq > ``after`` in seq order, and the cursor of the next page (or None)."""
    conditions = ["tenant_id = :tenant_id", "seq > :after"]
    params: dict[str, Any] = {"tenant_id": tenant_id, "after": after, "limit": limit + 1}
    for column, value in asdict(where).items():
        if value is not None:
            conditions.append(f"{column} = :{column}")
            params[column] = value
    rows = (
        await conn.execute(
            text(f"{_SELECT_STORED} WHERE {' AND '.join(conditions)} ORDER BY seq LIMIT :limit"),
            params,
        )
    ).mappings()
    entries = [chain_link(r) for r in rows]
    more = len(entries) > limit  # one row past the page says whether a next page exists
    entries = entries[:limit]
    return entries, (entries[-1].seq if more else None)


async def verify_chain(conn: AsyncConnection, tenant_id: str) -> Verification:
    """Recompute the tenant's whole chain, streaming it in seq order."""
    verifier = ChainVerifier()
    result = await conn.stream(
        text(f"{_SELECT_STORED} WHERE tenant_id = :tenant_id ORDER BY seq"),
        {"tenant_id": tenant_id},
    )
    async for row in result.mappings():
        if not verifier.add(chain_link(row)):
            break
    return verifier.result()
