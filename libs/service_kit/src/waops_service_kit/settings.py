"""Settings shared by every service, read from WAOPS_* environment variables."""

from __future__ import annotations

from typing import Literal

from pydantic_settings import BaseSettings, SettingsConfigDict


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

    @property
    def json_logs(self) -> bool:
        return self.env == "production"
