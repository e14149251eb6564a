"""All waops event payloads. Importing this package registers every type."""

from waops_contracts.events.catalogue import TourUpserted
from waops_contracts.events.commands import (
    Actor,
    CommandRejected,
    CommandRequested,
    CommandSucceeded,
    ObjectRef,
)
from waops_contracts.events.conversation import ConversationBound, ConversationOpened
from waops_contracts.events.directory import StaffUpserted
from waops_contracts.events.leads import LeadCreated, SalesRep
from waops_contracts.events.messages import MessageReceived, MessageStatus
from waops_contracts.events.notifications import MessageFailed, MessageSent

__all__ = [
    "Actor",
    "CommandRejected",
    "CommandRequested",
    "CommandSucceeded",
    "ConversationBound",
    "ConversationOpened",
    "LeadCreated",
    "MessageFailed",
    "MessageReceived",
    "MessageSent",
    "MessageStatus",
    "ObjectRef",
    "SalesRep",
    "StaffUpserted",
    "TourUpserted",
]
