"""What the handlers need besides the event and the transaction (built in bootstrap)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class ConversationDeps:
    conversation_ttl: timedelta = timedelta(hours=24)
