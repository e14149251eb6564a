"""What follows when a provider has accepted a send: the row says ``sent``, its status
history starts, and ``message.sent`` is published — exactly once, whoever learns of the
acceptance first: the sender from the provider's answer, or (when that answer was lost)
a status webhook that names the send (``reconcile``)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection
from waops_contracts.events import MessageSent, ObjectRef
from waops_messaging import EventWriter
from waops_observability import get_logger

from notifier import metrics
from notifier.adapters.outbound import Outbound, lock_unknown, mark_sent
from notifier.adapters.statuses import record_send

log = get_logger(__name__)


async def record_accepted(
    conn: AsyncConnection,
    writer: EventWriter,
    message: Outbound,
    *,
    provider: str,
    provider_message_id: str,
    reengagement_template: str | None = None,
) -> bool:
    """False when the acceptance was recorded already (nothing is written twice)."""
    recorded = await mark_sent(
        conn,
        message.id,
        provider,
        provider_message_id,
        reengagement_template=reengagement_template,
    )
    if not recorded or message.kind == "mark_read":  # a read receipt has no lifecycle
        return recorded
    await record_send(
        conn,
        outbound_id=message.id,
        provider=provider,
        channel_id=message.channel_id,
        provider_message_id=provider_message_id,
    )
    await writer.write(
        conn,
        MessageSent(
            outbound_id=message.id,
            channel_id=message.channel_id,
            provider=provider,
            provider_message_id=provider_message_id,
            to_phone=message.to_phone,
            template=message.template,
            about=about(message.about_type, message.about_id, message.about_reference),
            text=message.body,
        ),
        tenant_id=message.tenant_id,
        subject=f"{message.about_type}/{message.about_id}" if message.about_id else None,
        correlation_id=message.correlation_id,
        causation_id=message.causation_id,
    )
    return True


async def reconcile(
    conn: AsyncConnection,
    writer: EventWriter,
    *,
    client_reference: str,
    provider: str,
    provider_message_id: str,
) -> bool:
    """A status webhook names a send whose outcome was unknown: the provider took it."""
    message = await lock_unknown(conn, client_reference)
    if message is None:
        return False
    await record_accepted(
        conn, writer, message, provider=provider, provider_message_id=provider_message_id
    )
    metrics.UNKNOWN_OUTCOMES.labels("reconciled").inc()
    log.info("message.reconciled", outbound_id=message.id, provider_message_id=provider_message_id)
    return True


def about(about_type: str | None, about_id: str | None, reference: str | None) -> ObjectRef | None:
    if not (about_type and about_id):
        return None
    return ObjectRef.model_validate({"type": about_type, "id": about_id, "reference": reference})
