"""Keep the customer-service window read model: every message a person sends opens it."""

from __future__ import annotations

from waops_contracts.events import MessageReceived
from waops_messaging import HandlerContext

from notifier.adapters.inbound_times import remember_inbound

# WhatsApp's own notices (e.g. "the person changed their number") are not the person writing.
_NOT_THE_PERSON = frozenset({"system"})


async def on_message_received(message: MessageReceived, ctx: HandlerContext[object]) -> None:
    if message.kind in _NOT_THE_PERSON:
        return
    await remember_inbound(
        ctx.conn, channel_id=message.channel_id, phone=message.from_phone, at=message.sent_at
    )
