"""Event plumbing built once: topology, broker supervision, outbox + relay, inbox, consumers."""

from waops_messaging.broker import Broker, BrokerUnavailable
from waops_messaging.consumer import Consumers
from waops_messaging.failures import TransientFailure, is_transient
from waops_messaging.handlers import EventWriter, HandlerContext, HandlerRegistry, Subscription
from waops_messaging.inbox import claim
from waops_messaging.outbox import add_to_outbox
from waops_messaging.relay import OutboxRelay
from waops_messaging.topology import (
    DEAD_LETTER_EXCHANGE,
    EVENTS_EXCHANGE,
    PARK_REASON_HEADER,
    QueueSpec,
)
from waops_messaging.wakeup import Wakeup

__all__ = [
    "DEAD_LETTER_EXCHANGE",
    "EVENTS_EXCHANGE",
    "PARK_REASON_HEADER",
    "Broker",
    "BrokerUnavailable",
    "Consumers",
    "EventWriter",
    "HandlerContext",
    "HandlerRegistry",
    "OutboxRelay",
    "QueueSpec",
    "Subscription",
    "TransientFailure",
    "Wakeup",
    "add_to_outbox",
    "claim",
    "is_transient",
]
