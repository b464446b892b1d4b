"""Events the charging domain publishes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from carecover.platform.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class ChargingFailureReported(DomainEvent):
    """An owner could not charge their car at a charging location: the orders domain answers
    with a free tow (D5) from where the car is (``lat``/``lng``)."""

    event_type = "charging.failure_reported"
    vehicle_id: uuid.UUID
    failure_id: uuid.UUID
    location_id: uuid.UUID
    lat: float
    lng: float
    reason: str
