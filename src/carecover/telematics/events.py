"""Events the telematics domain publishes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from carecover.platform.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class AlertRaised(DomainEvent):
    """A car's telemetry raised an alert; the owner is told with the offered next step."""

    event_type = "telematics.alert_raised"
    alert_id: uuid.UUID
    vehicle_id: uuid.UUID
    code: str
    severity: str
