"""At dispatch: what a message goes out as, given when its recipient last wrote.

The decision is ``notifier.domain.window.for_window``; this reads the last_inbound read model
for it, counts messages outside the window and warns (once per channel and phone, per
process) when one needs the re-engagement template but none is configured.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncEngine
from waops_contracts import phone_key
from waops_observability import get_logger

from notifier import metrics
from notifier.adapters.inbound_times import last_inbound
from notifier.adapters.outbound import Outbound
from notifier.domain.content import Content
from notifier.domain.window import WindowDecision, WindowPolicy, for_window, is_free_form

log = get_logger(__name__)
_WARNED_MAX = 10_000  # bounds the memory of who was warned about; past it, warn afresh


class ServiceWindow:
    def __init__(
        self,
        engine: AsyncEngine,
        policy: WindowPolicy,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._engine = engine
        self.policy = policy
        self._clock = clock
        self._warned: set[tuple[str, str]] = set()

    async def fit(self, message: Outbound, provider: str, content: Content) -> WindowDecision:
        last = None
        if is_free_form(content):  # a template or a read receipt needs no look-up
            async with self._engine.connect() as conn:
                last = await last_inbound(conn, message.channel_id, message.to_phone)
        decision = for_window(
            content, provider=provider, last_inbound=last, now=self._clock(), policy=self.policy
        )
        if decision.outcome in ("reengagement", "no_template"):
            metrics.OUTSIDE_WINDOW.labels(provider, decision.outcome).inc()
        if decision.outcome == "no_template":
            self._warn_once(message, provider)
        return decision

    def _warn_once(self, message: Outbound, provider: str) -> None:
        key = (message.channel_id, phone_key(message.to_phone))
        if key in self._warned:
            return
        if len(self._warned) >= _WARNED_MAX:
            self._warned.clear()
        self._warned.add(key)
        setting = (
            "WAOPS_TWILIO_REENGAGEMENT_CONTENT_SID"
            if provider == "twilio"
            else "WAOPS_REENGAGEMENT_TEMPLATE"
        )
        log.warning(
            "window.no_reengagement_template",
            outbound_id=message.id,
            channel_id=message.channel_id,
            provider=provider,
            hint=f"the person has not written within the window: set {setting}",
        )
