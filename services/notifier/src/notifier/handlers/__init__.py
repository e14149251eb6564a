"""The notifier's consumers: who must be told what, queued in the event's transaction."""

from __future__ import annotations

from dataclasses import dataclass

from waops_contracts.events import CommandRejected, LeadCreated, MessageFailed, MessageSent
from waops_messaging import HandlerContext, HandlerRegistry, QueueSpec
from waops_observability import current_traceparent

from notifier.adapters.outbound import queue_message
from notifier.domain.templates import DEFAULT_LANGUAGE, lead_variables, render

NOTIFICATIONS = QueueSpec(
    "notifier.notifications", (LeadCreated.event_type, CommandRejected.event_type)
)


@dataclass(frozen=True)
class NotifierDeps:
    default_channel_id: str


def build_registry() -> HandlerRegistry:
    registry = HandlerRegistry()
    registry.queue(NOTIFICATIONS)
    registry.on(NOTIFICATIONS.name, LeadCreated)(acknowledge_lead)
    registry.on(NOTIFICATIONS.name, CommandRejected)(explain_refusal)
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
