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


@dataclass(frozen=True, kw_only=True)
class DrivingReportReady(DomainEvent):
    """A car's monthly driving report is final; the owner is told its score."""

    event_type = "telematics.driving_report_ready"
    vehicle_id: uuid.UUID
    month: str


@dataclass(frozen=True, kw_only=True)
class MaintenanceReminderSent(DomainEvent):
    """A maintenance reminder was decided for a car; the owner's inbox gets it."""

    event_type = "telematics.maintenance_reminder_sent"
    reminder_id: uuid.UUID
    vehicle_id: uuid.UUID
