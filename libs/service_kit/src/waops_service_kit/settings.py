"""Settings shared by every service, read from WAOPS_* environment variables."""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

LISTENERS = 2  # LISTEN connections a process may hold besides its pool


class ServiceSettings(BaseSettings):
    """Base class: each service subclasses it with its own fields (and its own port)."""

    model_config = SettingsConfigDict(env_prefix="WAOPS_", extra="ignore", populate_by_name=True)

    database_url: str = "postgresql://postgres@127.0.0.1:5432/waops"
    amqp_url: str = "amqp://guest:guest@127.0.0.1:5672/"
    env: Literal["local", "production"] = "local"
    log_level: str = "INFO"
    http_host: str = "0.0.0.0"
    migrate_on_start: bool = True
    default_tenant: str = "demo"
    shutdown_timeout: float = 20.0
    outbox_poll_interval: float = 1.0
    # The database connections one process may hold: the pool, what it may open beyond it
    # under a burst, and the LISTEN connections of its wake-ups. Every replica of every
    # service together must fit PostgreSQL's max_connections (checked at start, ADR 0026).
    db_pool_size: int = Field(default=5, ge=1)
    db_pool_overflow: int = Field(default=2, ge=0)
    db_pool_timeout: float = Field(default=10.0, gt=0)
    # How long an event whose handler hits a transient failure (database or dependency down
    # or overloaded) is retried in place before its failures count toward the delivery limit.
    transient_retry_window: float = Field(default=300.0, ge=0)

    @property
    def connection_budget(self) -> int:
        """The most database connections one process opens: its pool, the pool's overflow,
        and up to ``LISTENERS`` LISTEN connections (the relay's and a worker's wake-up)."""
        return self.db_pool_size + self.db_pool_overflow + LISTENERS

    @property
    def json_logs(self) -> bool:
        return self.env == "production"
