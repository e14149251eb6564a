"""What the handlers need besides the event and the transaction (built in bootstrap)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from conversation_engine.adapters.sealing import Sealer
from conversation_engine.domain.understanding.port import RuleBasedUnderstanding, Understander


@dataclass(frozen=True)
class ConversationDeps:
    sealer: Sealer
    conversation_ttl: timedelta = timedelta(hours=24)
    understander: Understander = field(default_factory=RuleBasedUnderstanding)
