"""The channel registry's table. Credentials are stored as Fernet tokens (see ``keyring``):
this module never sees them in clear, and ``Channel`` never prints them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncConnection
from waops_contracts.events.messages import Provider

_COLUMNS = (
    "id, tenant_id, provider, address, display_name, enabled, credentials, created_at, updated_at"
)


@dataclass(frozen=True)
class Channel:
    id: str  # = address: the channel_id events carry
    tenant_id: str
    provider: Provider
    address: str
    display_name: str = ""
    enabled: bool = True
    credentials: bytes | None = field(default=None, repr=False)  # encrypted
    created_at: datetime | None = None
    updated_at: datetime | None = None

    def public(self) -> dict[str, Any]:
        """What the admin API shows: never the credentials, only whether there are any."""
        return {
            "id": self.id,
            "tenant_id": self.tenant_id,
            "provider": self.provider,
            "address": self.address,
            "display_name": self.display_name,
            "enabled": self.enabled,
            "has_credentials": self.credentials is not None,
            "created_at": self.created_at.isoformat() if self.created_at else None,
            "updated_at": self.updated_at.isoformat() if self.updated_at else None,
        }


def channel_of(row: Row[Any]) -> Channel:
    """A row of ``SELECT {_COLUMNS} FROM channels``."""
    return Channel(
        id=row.id,
        tenant_id=row.tenant_id,
        provider=row.provider,
        address=row.address,
        display_name=row.display_name,
        enabled=row.enabled,
        credentials=bytes(row.credentials) if row.credentials is not None else None,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


async def upsert_channel(
    conn: AsyncConnection, *, address: str, tenant_id: str, provider: str, display_name: str
) -> None:
    """The default channel from the environment: configuration wins on every start (but a
    channel an operator disabled stays disabled, and stored credentials stay)."""
    await conn.execute(
        text(
            "INSERT INTO channels (id, address, tenant_id, provider, display_name)"
            " VALUES (:address, :address, :tenant_id, :provider, :display_name) ON CONFLICT (id) DO UPDATE SET"
            " tenant_id = EXCLUDED.tenant_id, provider = EXCLUDED.provider,"
            " display_name = EXCLUDED.display_name, updated_at = now()"
        ),
        {
            "address": address,
            "tenant_id": tenant_id,
            "provider": provider,
            "display_name": display_name,
        },
    )


async def channel_for(conn: AsyncConnection, address: str) -> Channel | None:
    row = (
        await conn.execute(
            text(f"SELECT {_COLUMNS} FROM channels WHERE id = :channel_id"), {"channel_id": address}
        )
    ).first()
    return channel_of(row) if row is not None else None


async def channels_for(conn: AsyncConnection, addresses: Iterable[str]) -> dict[str, Channel]:
    wanted = sorted(set(addresses))
    if not wanted:
        return {}
    rows = await conn.execute(
        text(f"SELECT {_COLUMNS} FROM channels WHERE id = ANY(CAST(:channel_ids AS text[]))"),
        {"channel_ids": wanted},
    )
    return {row.id: channel_of(row) for row in rows}


async def create_channel(
    conn: AsyncConnection,
    *,
    address: str,
    tenant_id: str,
    provider: str,
    display_name: str,
    enabled: bool,
    credentials: bytes | None,
) -> Channel | None:
    """The new channel, or None when the address is taken (by any provider)."""
    row = (
        await conn.execute(
            text(
                "INSERT INTO channels (id, address, tenant_id, provider, display_name, enabled,"
                " credentials) VALUES (:address, :address, :tenant_id, :provider, :display_name,"
                " :enabled, :credentials)"
                f" ON CONFLICT DO NOTHING RETURNING {_COLUMNS}"
            ),
            {
                "address": address,
                "tenant_id": tenant_id,
                "provider": provider,
                "display_name": display_name,
                "enabled": enabled,
                "credentials": credentials,
            },
        )
    ).first()
    return channel_of(row) if row is not None else None


async def list_channels(conn: AsyncConnection, tenant_id: str | None = None) -> list[Channel]:
    rows = await conn.execute(
        text(
            f"SELECT {_COLUMNS} FROM channels"
            " WHERE CAST(:tenant_id AS text) IS NULL OR tenant_id = :tenant_id"
            " ORDER BY created_at, id"
        ),
        {"tenant_id": tenant_id},
    )
    return [channel_of(row) for row in rows]


async def update_channel(
    conn: AsyncConnection, channel_id: str, changes: dict[str, Any]
) -> Channel | None:
    """Set the given columns (tenant_id, display_name, enabled, credentials, provider)."""
    allowed = {"tenant_id", "display_name", "enabled", "credentials", "provider"}
    assert set(changes) <= allowed, set(changes) - allowed
    sets = "".join(f"{column} = :{column}, " for column in changes)
    row = (
        await conn.execute(
            text(
                f"UPDATE channels SET {sets}updated_at = now() WHERE id = :channel_id"
                f" RETURNING {_COLUMNS}"
            ),
            {**changes, "channel_id": channel_id},
        )
    ).first()
    return channel_of(row) if row is not None else None


async def encrypted_credentials(conn: AsyncConnection) -> list[tuple[str, bytes]]:
    rows = await conn.execute(
        text("SELECT id, credentials FROM channels WHERE credentials IS NOT NULL FOR UPDATE")
    )
    return [(row.id, bytes(row.credentials)) for row in rows]
