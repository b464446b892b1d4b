"""Publishing: an event becomes an outbox row in the caller's transaction."""

from __future__ import annotations

from sqlalchemy.orm import Session

from carecover.platform.events.base import DomainEvent
from carecover.platform.events.models import OutboxMessage


def publish(
    session: Session, event: DomainEvent, *, request_id: str | None = None
) -> OutboxMessage:
    """Record ``event``; it is delivered only if the surrounding transaction commits."""
    if not event.event_type:
        raise ValueError(f"{type(event).__name__} has no event_type")
    message = OutboxMessage(
        event_type=event.event_type, payload=event.to_payload(), request_id=request_id
    )
    session.add(message)  # flushed with the caller's other writes, in one batch
    return message
