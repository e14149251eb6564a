"""Which event tells whom what: event type -> notification functions, each pure
(event, style) -> notices. The handler queues their notices on one generic path."""

from __future__ import annotations

from waops_contracts import Event
from waops_contracts.events import (
    AssignmentAccepted,
    AssignmentDeclined,
    AssignmentOffered,
    BookingCancelled,
    BookingHeld,
    BroadcastRequested,
    CommandRejected,
    CommandSucceeded,
    ConversationReply,
    HoldExpired,
    IncidentReported,
    IncidentResolved,
    IncidentUpdated,
    LeadCreated,
    PaymentBalanceDue,
    PaymentLinkCreated,
    PaymentReceived,
    PayrollEntryCreated,
    QuoteSent,
    TripEnded,
    TripStarted,
    TripUpdatePosted,
    WaitlistOffered,
)

from notifier.domain.formatting import Style
from notifier.domain.notices import Notice, Notify
from notifier.domain.notifications import (
    bookings,
    broadcast,
    incidents,
    leads,
    payments,
    replies,
    trips,
)

NOTIFICATIONS: dict[type[Event], tuple[Notify, ...]] = {
    LeadCreated: (leads.lead_created,),
    QuoteSent: (leads.quote_sent,),
    CommandSucceeded: (replies.command_succeeded,),
    CommandRejected: (replies.command_rejected,),
    ConversationReply: (replies.conversation_reply,),
    BookingHeld: (bookings.booking_held,),
    BookingCancelled: (bookings.booking_cancelled,),
    HoldExpired: (bookings.hold_expired,),
    WaitlistOffered: (bookings.waitlist_offered,),
    PaymentLinkCreated: (payments.link_created,),
    PaymentReceived: (payments.payment_received,),
    PaymentBalanceDue: (payments.balance_due,),
    AssignmentOffered: (trips.assignment_offered,),
    AssignmentAccepted: (trips.assignment_answered,),
    AssignmentDeclined: (trips.assignment_answered,),
    TripStarted: (trips.trip_started,),
    TripUpdatePosted: (trips.trip_update_posted,),
    TripEnded: (trips.trip_ended,),
    PayrollEntryCreated: (trips.payroll_entry_created,),
    IncidentReported: (incidents.incident_reported,),
    IncidentUpdated: (incidents.incident_updated,),
    IncidentResolved: (incidents.incident_resolved,),
    BroadcastRequested: (broadcast.broadcast_requested,),
}


def notices(event: Event, style: Style) -> list[Notice]:
    return [
        notice for notify in NOTIFICATIONS.get(type(event), ()) for notice in notify(event, style)
    ]
