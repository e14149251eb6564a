"""The repositories the application services need, as ports: the adapters implement them on
PostgreSQL in the use case's transaction, and a fast test can hand in an in-memory fake.

A port exists where a fake pays for itself (a use case worth testing without a database);
the other adapters stay plain functions over the connection (docs/adr/0028)."""

from __future__ import annotations

from typing import Protocol

from core.domain.leads import Lead


class LeadRepository(Protocol):
    """The leads of one tenant."""

    async def get(self, lead_id: str, *, lock: bool = False) -> Lead | None:
        """The lead, or None; with ``lock``, held against other moves until commit."""
        ...

    async def save_move(self, lead: Lead) -> None:
        """Store a lead's state after a pipeline move (with its lost reason or booking)."""
        ...
