"""What the handlers need besides the event and the transaction (built in bootstrap)."""

from __future__ import annotations

from dataclasses import dataclass

from orchestrator.adapters.core_client import CoreClient


@dataclass(frozen=True)
class OrchestratorDeps:
    core: CoreClient
