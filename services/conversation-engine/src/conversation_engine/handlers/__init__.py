"""The conversation engine's consumers.

- ``conversation-engine.directory``: the core's staff directory and tour catalogue, kept as
  read models here.
- ``conversation-engine.inbound``: inbound messages, partitioned by conversation key
  (``<channel_id>:<phone>``) so one conversation's messages are handled in order; each
  runs one turn of the dialogue (CommandRequested and/or ConversationReply out).
- ``conversation-engine.results``: command results, to bind conversations and contexts to
  what they made.
- ``conversation-engine.context``: events about a person (quote sent, lead created, booking
  moved, seats offered from a waitlist and the offer over, work offered or answered) that
  keep their context current.
"""

from __future__ import annotations

from waops_contracts.events import (
    AssignmentAccepted,
    AssignmentDeclined,
    AssignmentOffered,
    BookingActivated,
    BookingCancelled,
    BookingCompleted,
    BookingConfirmed,
    BookingHeld,
    BookingPaymentPending,
    BookingWaitlisted,
    CommandRejected,
    CommandRequested,
    CommandSucceeded,
    ConversationBound,
    ConversationOpened,
    ConversationReply,
    LeadCreated,
    MessageReceived,
    QuoteSent,
    StaffUpserted,
    TourUpserted,
    WaitlistConfirmed,
    WaitlistOfferDeclined,
    WaitlistOffered,
    WaitlistOfferExpired,
)
from waops_messaging import HandlerRegistry, QueueSpec

from conversation_engine.handlers.context_events import (
    on_assignment_answered,
    on_assignment_offered,
    on_booking_changed,
    on_lead_created,
    on_quote_sent,
    on_waitlist_offer_over,
    on_waitlist_offered,
)
from conversation_engine.handlers.directory import on_staff_upserted, on_tour_upserted
from conversation_engine.handlers.inbound import on_message_received
from conversation_engine.handlers.results import on_command_rejected, on_command_succeeded

OFFER_OVER_EVENTS = (WaitlistConfirmed, WaitlistOfferDeclined, WaitlistOfferExpired)
BOOKING_EVENTS = (
    BookingHeld,
    BookingPaymentPending,
    BookingConfirmed,
    BookingActivated,
    BookingCompleted,
    BookingCancelled,
    BookingWaitlisted,
)

DIRECTORY = QueueSpec(
    "conversation-engine.directory",
    (StaffUpserted.event_type, TourUpserted.event_type),
)
INBOUND = QueueSpec("conversation-engine.inbound", (MessageReceived.event_type,), partitions=4)
RESULTS = QueueSpec(
    "conversation-engine.results",
    (CommandSucceeded.event_type, CommandRejected.event_type),
)
CONTEXT = QueueSpec(
    "conversation-engine.context",
    (
        QuoteSent.event_type,
        LeadCreated.event_type,
        *(event.event_type for event in BOOKING_EVENTS),
        WaitlistOffered.event_type,
        *(event.event_type for event in OFFER_OVER_EVENTS),
        AssignmentOffered.event_type,
        AssignmentAccepted.event_type,
        AssignmentDeclined.event_type,
    ),
)


def build_registry() -> HandlerRegistry:
    registry = HandlerRegistry()
    registry.queue(DIRECTORY, concurrency=8)
    registry.on(DIRECTORY.name, StaffUpserted)(on_staff_upserted)
    registry.on(DIRECTORY.name, TourUpserted)(on_tour_upserted)

    registry.queue(INBOUND, prefetch=50)
    registry.on(INBOUND.name, MessageReceived)(on_message_received)

    registry.queue(RESULTS, concurrency=8)
    registry.on(RESULTS.name, CommandSucceeded)(on_command_succeeded)
    registry.on(RESULTS.name, CommandRejected)(on_command_rejected)

    # Events about one person may be handled side by side: each change locks the person's
    # context row, and each fact carries its event's time so a late one never wins.
    registry.queue(CONTEXT, concurrency=8)
    registry.on(CONTEXT.name, QuoteSent)(on_quote_sent)
    registry.on(CONTEXT.name, LeadCreated)(on_lead_created)
    for booking_event in BOOKING_EVENTS:
        registry.on(CONTEXT.name, booking_event)(on_booking_changed)
    registry.on(CONTEXT.name, WaitlistOffered)(on_waitlist_offered)
    for over in OFFER_OVER_EVENTS:
        registry.on(CONTEXT.name, over)(on_waitlist_offer_over)
    registry.on(CONTEXT.name, AssignmentOffered)(on_assignment_offered)
    registry.on(CONTEXT.name, AssignmentAccepted)(on_assignment_answered)
    registry.on(CONTEXT.name, AssignmentDeclined)(on_assignment_answered)

    registry.declare_publishes(
        CommandRequested, ConversationOpened, ConversationBound, ConversationReply
    )
    return registry
