"""Database engine per service: its own role, its own schema on the search path."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine


def sqlalchemy_url(url: str) -> str:
    """postgresql://... -> postgresql+asyncpg://..."""
    parsed = make_url(url)
    return parsed.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)


def asyncpg_dsn(url: str) -> str:
    """postgresql+asyncpg://... -> postgresql://... (for raw asyncpg connections)."""
    parsed = make_url(url)
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


def create_engine(
    url: str,
    schema: str,
    *,
    pool_size: int = 5,
    max_overflow: int = 2,
    pool_timeout: float = 10.0,
) -> AsyncEngine:
    """A bounded pool: under load, work waits for a connection (up to ``pool_timeout``, then
    a transient failure the consumer retries) instead of opening more than the budget.

    No ping before each use: with asyncpg a ping is BEGIN, a query and ROLLBACK, three round
    trips per checkout, which was most of the database's work per event. A connection that
    died in the pool fails its first use instead; SQLAlchemy then invalidates the pool, and
    the failure is transient (a consumer retries in place, the door answers 503). Idle
    connections are renewed after ``pool_recycle`` seconds."""
    return create_async_engine(
        sqlalchemy_url(url),
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_pre_ping=False,
        pool_recycle=300,
        pool_timeout=pool_timeout,
        connect_args={
            "server_settings": {"search_path": schema, "application_name": f"waops-{schema}"},
            "timeout": 10,
            "command_timeout": 30,
        },
    )


async def ping(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))


@dataclass(frozen=True)
class ConnectionRoom:
    """What the server allows ordinary roles and what is already in use."""

    allowed: int  # max_connections less the superuser reserve
    in_use: int

    def fits(self, wanted: int) -> bool:
        return self.in_use + wanted <= self.allowed


async def connection_room(engine: AsyncEngine) -> ConnectionRoom:
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                text(
                    "SELECT current_setting('max_connections')::int"
                    " - current_setting('superuser_reserved_connections')::int AS allowed,"
                    " (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend')"
                    " AS in_use"
                )
            )
        ).one()
    return ConnectionRoom(allowed=int(row.allowed), in_use=int(row.in_use))
