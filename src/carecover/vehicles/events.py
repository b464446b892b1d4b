"""Events vehicles publishes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from carecover.platform.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class VehicleRegistered(DomainEvent):
    """A car was registered for a customer (packages and telematics may follow)."""

    event_type = "vehicles.registered"
    vehicle_id: uuid.UUID
    owner_id: uuid.UUID
    powertrain: str
