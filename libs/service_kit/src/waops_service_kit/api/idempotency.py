"""Idempotency-Key records: the first request with a key claims it inside its transaction.

A concurrent request with the same key blocks on the primary key until the first commits
(then it finds the stored response) or rolls back (then it claims the key itself).

Each service keeps its keys in an ``idempotency_keys`` table of its own schema (its own
migration creates it): ``tenant_id, key, request_hash, response_status, response_body,
created_at``, primary key ``(tenant_id, key)``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection


@dataclass(frozen=True)
class StoredResponse:
    request_hash: str
    status: int
    body: dict[str, Any]


async def claim(
    conn: AsyncConnection, tenant_id: str, key: str, request_hash: str
) -> StoredResponse | None:
    """None if this transaction now owns the key; else what the key's first request got."""
    params = {"t": tenant_id, "k": key, "h": request_hash}
    inserted = (
        await conn.execute(
            text(
                "INSERT INTO idempotency_keys (tenant_id, key, request_hash) VALUES (:t, :k, :h)"
                " ON CONFLICT (tenant_id, key) DO NOTHING RETURNING key"
            ),
            params,
        )
    ).first()
    if inserted is not None:
        return None
    row = (
        await conn.execute(
            text(
                "SELECT request_hash, response_status, response_body FROM idempotency_keys"
                " WHERE tenant_id = :t AND key = :k"
            ),
            params,
        )
    ).one()
    return StoredResponse(row.request_hash, row.response_status, row.response_body)


async def complete(
    conn: AsyncConnection, tenant_id: str, key: str, status: int, body: dict[str, Any]
) -> None:
    await conn.execute(
        text(
            "UPDATE idempotency_keys SET response_status = :s, response_body = CAST(:b AS jsonb)"
            " WHERE tenant_id = :t AND key = :k"
        ),
        {"t": tenant_id, "k": key, "s": status, "b": json.dumps(body)},
    )


async def purge_older_than(conn: AsyncConnection, cutoff: datetime) -> int:
    """Forget keys older than the retention: a client retries within minutes, not days."""
    result = await conn.execute(
        text("DELETE FROM idempotency_keys WHERE created_at < :cutoff"), {"cutoff": cutoff}
    )
    return int(result.rowcount or 0)
