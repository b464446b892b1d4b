"""Events the orders domain publishes (delivered after commit through the outbox)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from carecover.platform.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class OrderRequested(DomainEvent):
    event_type = "orders.requested"
    order_id: uuid.UUID
    vehicle_id: uuid.UUID
    service: str
    channel: str


@dataclass(frozen=True, kw_only=True)
class OfferMade(DomainEvent):
    """A unit (or a fallback shop) was offered the job; its partner is told."""

    event_type = "orders.offer_made"
    offer_id: uuid.UUID
    order_id: uuid.UUID
    partner_id: uuid.UUID


@dataclass(frozen=True, kw_only=True)
class OrderStepped(DomainEvent):
    """The order moved on (accepted, en route, on site, finished); the owner is told."""

    event_type = "orders.stepped"
    order_id: uuid.UUID
    status: str


@dataclass(frozen=True, kw_only=True)
class OrderCompleted(DomainEvent):
    """The job is done: the owner is asked to rate it; settlement takes the cost."""

    event_type = "orders.completed"
    order_id: uuid.UUID
    partner_id: uuid.UUID | None
    cost_fen: int
