"""How each command is carried out against the core: one executor per command of the
permission table (``domain.permissions.COMMANDS``), grouped by who mostly asks for it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from orchestrator.domain.permissions import COMMANDS
from orchestrator.handlers.executors import field, operations, sales
from orchestrator.handlers.executors.run import Outcome, Run

Executor = Callable[[Run], Awaitable[Outcome]]

EXECUTORS: dict[str, Executor] = {
    "CreateLead": sales.create_lead,
    "AcceptQuote": sales.accept_quote,
    "JoinWaitlist": sales.join_waitlist,
    "CheckBookingStatus": sales.check_booking_status,
    "ConfirmWaitlistOffer": sales.confirm_waitlist_offer,
    "DeclineWaitlistOffer": sales.decline_waitlist_offer,
    "RequestHandoff": sales.request_handoff,
    "SendQuote": sales.send_quote,
    "ConvertLead": sales.convert_lead,
    "SendPaymentLink": sales.send_payment_link,
    "DeleteLead": sales.delete_lead,
    "CheckTripStatus": field.check_trip_status,
    "AcceptAssignment": field.accept_assignment,
    "DeclineAssignment": field.decline_assignment,
    "CheckIn": field.check_in,
    "CheckOut": field.check_out,
    "PostTripUpdate": field.post_trip_update,
    "ReportIncident": field.report_incident,
    "ResolveIncident": field.resolve_incident,
    "AssignStaff": operations.assign_staff,
    "UpdateIncident": operations.update_incident,
    "Broadcast": operations.broadcast,
    "CloseDeparture": operations.close_departure,
}

# Every command the permission table allows has a way to run, and nothing else does.
assert set(EXECUTORS) == set(COMMANDS), set(EXECUTORS) ^ set(COMMANDS)

__all__ = ["EXECUTORS", "Executor", "Outcome", "Run"]
