"""Key rotation of the conversation keyring (docs/adr/0020): every sealed phone and body
re-sealed under the newest key of WAOPS_CONVERSATION_KEYS, so the older keys can be dropped.

Run as ``python -m conversation_engine rotate-keys`` after putting the new key first. It goes
in batches: until it finishes, the old key still opens what is not re-sealed yet, so a run
that stops half-way is simply run again. A token no key opens stops it with an error.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from waops_observability import get_logger

from conversation_engine.adapters.sealing import Sealer

log = get_logger(__name__)

BATCH = 500
# (table, the columns that identify a row, the sealed column)
SEALED: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("actors", ("tenant_id", "phone_index"), "phone_sealed"),
    ("conversations", ("id",), "phone_sealed"),
    ("contexts", ("tenant_id", "phone_index"), "phone_sealed"),
    ("messages", ("id",), "body_sealed"),
)


async def reseal_all(engine: AsyncEngine, sealer: Sealer) -> int:
    """Re-seal every sealed value; returns how many were re-sealed."""
    total = 0
    for table, keys, column in SEALED:
        after: tuple[Any, ...] | None = None
        while True:
            async with engine.begin() as conn:
                rows = (
                    await conn.execute(_page(table, keys, column, after), _params(keys, after))
                ).all()
                for row in rows:
                    where = " AND ".join(f"{k} = :{k}" for k in keys)
                    await conn.execute(
                        text(f"UPDATE {table} SET {column} = :token WHERE {where}"),
                        {**{k: getattr(row, k) for k in keys}, "token": sealer.reseal(row.token)},
                    )
            total += len(rows)
            if len(rows) < BATCH:
                break
            after = tuple(getattr(rows[-1], k) for k in keys)
        log.info("keys.resealed", table=table)
    return total


def _page(table: str, keys: tuple[str, ...], column: str, after: tuple[Any, ...] | None) -> Any:
    columns = ", ".join(keys)
    since = ""
    if after is not None:
        since = f" AND ({columns}) > ({', '.join(f':after_{k}' for k in keys)})"
    return text(
        f"SELECT {columns}, {column} AS token FROM {table} WHERE {column} IS NOT NULL{since}"
        f" ORDER BY {columns} LIMIT {BATCH} FOR UPDATE"
    )


def _params(keys: tuple[str, ...], after: tuple[Any, ...] | None) -> dict[str, Any]:
    """The last page's last key, one bind per key column (``:after_tenant_id`` ...)."""
    return {f"after_{k}": value for k, value in zip(keys, after or (), strict=False)}
