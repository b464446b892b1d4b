"""Domain events, recorded in an outbox inside the business transaction and dispatched after it."""

from carecover.platform.events.base import DomainEvent, event_class, subscribe, subscribers
from carecover.platform.events.models import HandlerReceipt, MessageStatus, OutboxMessage
from carecover.platform.events.outbox import publish

__all__ = [
    "DomainEvent",
    "HandlerReceipt",
    "MessageStatus",
    "OutboxMessage",
    "event_class",
    "publish",
    "subscribe",
    "subscribers",
]
