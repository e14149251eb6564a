"""How each command the orchestrator can run is carried out against the core.

A command declared in ``domain.permissions`` but missing here is known and allowed, but not
available yet: it is rejected politely instead of being parked.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from waops_contracts.events import CommandRequested, ObjectRef
from waops_messaging import HandlerContext
from waops_observability import current_traceparent

from orchestrator.deps import OrchestratorDeps
from orchestrator.domain.permissions import CUSTOMER


@dataclass(frozen=True)
class Outcome:
    object: ObjectRef | None
    result: dict[str, Any] = field(default_factory=dict)


Executor = Callable[[CommandRequested, HandlerContext[OrchestratorDeps]], Awaitable[Outcome]]


async def create_lead(command: CommandRequested, ctx: HandlerContext[OrchestratorDeps]) -> Outcome:
    args = command.args
    # A customer's lead is always their own; staff may register one for a customer's phone.
    customer_phone, customer_name = command.actor.phone, command.actor.name
    if command.actor.role != CUSTOMER and args.get("customer_phone"):
        customer_phone, customer_name = str(args["customer_phone"]), args.get("customer_name")
    lead = await ctx.deps.core.create_lead(
        tenant=ctx.tenant_id,
        command_id=command.command_id,
        tour_code=args.get("tour_code"),
        pax=args.get("pax"),
        travel_month=args.get("travel_month"),
        travel_date=args.get("travel_date"),
        customer_phone=customer_phone,
        customer_name=customer_name,
        conversation_id=command.conversation_id,
        channel_id=command.channel_id,
        enquiry_text=command.source_text,
        correlation_id=ctx.envelope.correlationid,
        causation_id=ctx.envelope.id,
        traceparent=current_traceparent(),
    )
    result: dict[str, Any] = {"state": lead.state}
    if lead.assigned_to:
        result["assigned_to"] = lead.assigned_to
    return Outcome(ObjectRef(type="LEAD", id=lead.id, reference=lead.reference), result)


EXECUTORS: dict[str, Executor] = {
    "CreateLead": create_lead,
}
