"""The notifier's consumers: who must be told what, queued in the event's transaction;
the staff directory read model; delivery receipts; when each person last wrote."""

from __future__ import annotations

from waops_contracts.events import (
    IncidentReported,
    MessageFailed,
    MessageReceived,
    MessageSent,
    MessageStatus,
    StaffUpserted,
)
from waops_messaging import HandlerContext, HandlerRegistry, QueueSpec
from waops_observability import get_logger

from notifier import metrics
from notifier.adapters.accepted import about, reconcile
from notifier.adapters.statuses import record_status
from notifier.domain.lifecycle import StatusReport
from notifier.domain.notifications import NOTIFICATIONS as TOLD_BY
from notifier.handlers.directory import on_staff_upserted
from notifier.handlers.inbound import on_message_received
from notifier.handlers.notify import NotifierDeps, notify, remember_reporter_and_notify

log = get_logger(__name__)

# Every event someone is told of (notifier.domain.notifications says who and what).
# Partitioned on the event's partition key (the core's subject, BOOKING/<id>...): one
# object's events are handled one at a time in published order, so their messages are
# queued in that order ("seats held" before the payment link); the dispatcher keeps each
# recipient's queue order when sending.
NOTIFICATIONS = QueueSpec(
    "notifier.notifications",
    tuple(sorted(event.event_type for event in TOLD_BY)),
    partitions=4,
)
# The staff directory, for "operations" and staff known by id.
DIRECTORY = QueueSpec("notifier.directory", (StaffUpserted.event_type,))
# Delivery receipts of what the notifier sent (the adapter maps every provider's to these).
STATUSES = QueueSpec("notifier.statuses", (MessageStatus.event_type,))
# Each person's last message, for WhatsApp's 24-hour customer-service window.
INBOUND = QueueSpec("notifier.inbound", (MessageReceived.event_type,))


def build_registry() -> HandlerRegistry:
    registry = HandlerRegistry()
    registry.queue(NOTIFICATIONS)
    for event in TOLD_BY:
        registry.on(NOTIFICATIONS.name, event)(notify)
    registry.on(NOTIFICATIONS.name, IncidentReported)(remember_reporter_and_notify)
    registry.queue(DIRECTORY)
    registry.on(DIRECTORY.name, StaffUpserted)(on_staff_upserted)
    registry.queue(STATUSES)
    registry.on(STATUSES.name, MessageStatus)(apply_status)
    registry.queue(INBOUND)
    registry.on(INBOUND.name, MessageReceived)(on_message_received)
    registry.declare_publishes(MessageSent, MessageFailed)
    return registry


async def apply_status(status: MessageStatus, ctx: HandlerContext[NotifierDeps]) -> None:
    """A provider's status for a message: folded into its lifecycle, never backwards.

    A status for an id no send has recorded yet is kept and applied when the send is
    recorded; a provider-reported failure is published as ``message.failed`` once."""
    applied = await record_status(
        ctx.conn,
        provider=status.provider,
        channel_id=status.channel_id,
        provider_message_id=status.provider_message_id,
        report=StatusReport(
            status=status.status,
            occurred_at=status.occurred_at,
            error_code=status.error_code,
            error_title=status.error_title,
        ),
        client_reference=status.client_reference,
    )
    metrics.STATUSES.labels(status.status, applied.outcome).inc()
    if applied.outcome == "pending":
        log.info("status.pending", provider_message_id=status.provider_message_id)
        if status.client_reference and await reconcile(
            ctx.conn,
            ctx.writer,
            client_reference=status.client_reference,
            provider=status.provider,
            provider_message_id=status.provider_message_id,
        ):
            return  # the send is recorded now, with this status folded in
    message, after = applied.message, applied.after
    if message is None or after is None:
        return
    if after.status == "failed" and applied.before != "failed":
        await ctx.publish(
            MessageFailed(
                outbound_id=str(message["id"]),
                channel_id=message["channel_id"],
                provider=message["provider"] or status.provider,
                to_phone=message["to_phone"],
                template=message["template"],
                about=about(message["about_type"], message["about_id"], message["about_reference"]),
                error_code=after.error_code,
                error_title=(after.error_title or "failed")[:300],
            )
        )
