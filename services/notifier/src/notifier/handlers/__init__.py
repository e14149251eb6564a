"""The notifier's consumers: who must be told what, queued in the event's transaction."""

from __future__ import annotations

from dataclasses import dataclass

from waops_contracts.events import (
    CommandRejected,
    LeadCreated,
    MessageFailed,
    MessageSent,
    MessageStatus,
)
from waops_messaging import HandlerContext, HandlerRegistry, QueueSpec
from waops_observability import current_traceparent, get_logger

from notifier import metrics
from notifier.adapters.dispatcher import about
from notifier.adapters.outbound import queue_message
from notifier.adapters.statuses import record_status
from notifier.domain.lifecycle import StatusReport
from notifier.domain.templates import DEFAULT_LANGUAGE, lead_variables, render

log = get_logger(__name__)

NOTIFICATIONS = QueueSpec(
    "notifier.notifications", (LeadCreated.event_type, CommandRejected.event_type)
)
# Delivery receipts of what the notifier sent (the adapter maps every provider's to these).
STATUSES = QueueSpec("notifier.statuses", (MessageStatus.event_type,))


@dataclass(frozen=True)
class NotifierDeps:
    default_channel_id: str


def build_registry() -> HandlerRegistry:
    registry = HandlerRegistry()
    registry.queue(NOTIFICATIONS)
    registry.on(NOTIFICATIONS.name, LeadCreated)(acknowledge_lead)
    registry.on(NOTIFICATIONS.name, CommandRejected)(explain_refusal)
    registry.queue(STATUSES)
    registry.on(STATUSES.name, MessageStatus)(apply_status)
    registry.declare_publishes(MessageSent, MessageFailed)
    return registry


async def _queue(
    ctx: HandlerContext[NotifierDeps],
    *,
    to_phone: str,
    template: str,
    body: str,
    channel_id: str | None,
    about: tuple[str, str, str | None] | None = None,
) -> None:
    env = ctx.envelope
    await queue_message(
        ctx.conn,
        tenant_id=env.tenantid,
        dedupe_key=f"{env.id}:{template}:{to_phone}",
        channel_id=channel_id or ctx.deps.default_channel_id,
        to_phone=to_phone,
        template=template,
        language=DEFAULT_LANGUAGE,
        body=body,
        about_type=about[0] if about else None,
        about_id=about[1] if about else None,
        about_reference=about[2] if about else None,
        correlation_id=env.correlationid,
        causation_id=env.id,
        traceparent=current_traceparent(),
    )


async def acknowledge_lead(lead: LeadCreated, ctx: HandlerContext[NotifierDeps]) -> None:
    """The customer gets the enquiry's reference and who will follow up."""
    body = render("lead_acknowledged", lead_variables(lead.model_dump()))
    await _queue(
        ctx,
        to_phone=lead.customer_phone,
        template="lead_acknowledged",
        body=body,
        channel_id=lead.channel_id,
        about=("LEAD", lead.lead_id, lead.reference),
    )


async def explain_refusal(refusal: CommandRejected, ctx: HandlerContext[NotifierDeps]) -> None:
    """A refused command is answered politely to whoever asked."""
    body = render("command_refused", {"reason": refusal.reason.rstrip(".")})
    await _queue(
        ctx,
        to_phone=refusal.actor.phone,
        template="command_refused",
        body=body,
        channel_id=refusal.channel_id,
    )


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
    )
    metrics.STATUSES.labels(status.status, applied.outcome).inc()
    if applied.outcome == "pending":
        log.info("status.pending", provider_message_id=status.provider_message_id)
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
