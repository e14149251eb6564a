"""What an application service gets from whoever calls it — an HTTP route, a test — as plain
values: the transaction, the tenant, one instant, who acts, the settings, and where its events
go. No aiohttp: the entrypoints build it from the kit's ``Call`` (``entrypoints.context``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection
from waops_contracts import Event
from waops_messaging import EventWriter
from waops_service_kit.api import Actor

from core.adapters.leads import PostgresLeads
from core.handlers.ports import LeadRepository
from core.settings import CoreSettings


@dataclass(frozen=True)
class UseCase:
    conn: AsyncConnection
    tenant_id: str
    now: datetime  # one instant per use case: every rule in it sees the same time
    actor: Actor
    settings: CoreSettings
    writer: EventWriter
    correlation_id: str | None = None
    causation_id: str | None = None
    lead_repository: LeadRepository | None = None  # a fake in fast tests

    @property
    def leads(self) -> LeadRepository:
        """The tenant's leads: the given repository, else PostgreSQL in this transaction."""
        return self.lead_repository or PostgresLeads(self.conn, self.tenant_id)

    async def emit(self, event: Event, *, subject: str, partition_key: str | None = None) -> None:
        """Stage a domain event in this use case's transaction (published by the outbox)."""
        await self.writer.write(
            self.conn,
            event,
            tenant_id=self.tenant_id,
            subject=subject,
            correlation_id=self.correlation_id,
            causation_id=self.causation_id,
            partition_key=partition_key or subject,
        )
