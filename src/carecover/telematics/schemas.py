"""API shapes of telematics."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict

from carecover.telematics.enums import DeviceKind


class DeviceCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: DeviceKind


class DeviceRead(BaseModel):
    id: uuid.UUID
    device_no: str
    vehicle_id: uuid.UUID
    kind: str
    status: str
    last_seen_at: datetime | None
    last_seq: int | None


class DeviceCreated(DeviceRead):
    secret: str
    """Shown once: the device signs in with HTTP Basic ``device_no:secret`` (or MQTT username /
    password)."""


class RejectRead(BaseModel):
    index: int
    reason: str
    detail: str


class IngestRead(BaseModel):
    accepted: int
    duplicates: int
    rejected: list[RejectRead]


class VehicleStateRead(BaseModel):
    vehicle_id: uuid.UUID
    device_time: datetime
    lat: float | None
    lng: float | None
    signals: dict[str, Any]


class TripRead(BaseModel):
    """One trip as measured when it ended; ``discarded`` ones (too short) have no score."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    vehicle_id: uuid.UUID
    month: str
    started_at: datetime
    ended_at: datetime
    end_reason: str
    discarded: str | None
    distance_km: float
    duration_s: float
    moving_s: float
    max_speed_kmh: float
    avg_speed_kmh: float
    harsh_braking: int
    harsh_acceleration: int
    harsh_cornering: int
    speeding_share: float
    night_share: float
    night_km: float
    score: float | None


class UbiRead(BaseModel):
    factor: Decimal | None
    """Proposed for the renewal, never applied by CareCover (None: under ``min_km`` driven)."""
    reason: str
    min_km: float
    policy_no: str | None
    renews_on: date | None


class DrivingReportRead(BaseModel):
    """A month's driving report (local Asia/Shanghai month); ``final`` once the month is over."""

    vehicle_id: uuid.UUID
    month: str
    final: bool
    trips: int
    discarded: int
    distance_km: float
    score: float | None
    harsh_braking: int
    harsh_acceleration: int
    harsh_cornering: int
    braking_per_100km: float
    acceleration_per_100km: float
    cornering_per_100km: float
    speeding_share: float
    night_share: float
    night_km: float
    max_speed_kmh: float
    ubi: UbiRead
    hints: list[str]
    driver_age: int | None


class DueRead(BaseModel):
    item: str
    status: str
    reason: str
    due_at_km: int | None
    due_on: date | None
    km_left: int | None
    days_left: int | None


class MaintenanceRead(BaseModel):
    """The car's maintenance today; ``book`` is the care request the owner sends to book it."""

    vehicle_id: uuid.UUID
    odometer_km: int | None
    today: date
    items: list[DueRead]
    need: list[str]
    status: str | None
    last_reminder_id: uuid.UUID | None
    last_sent_on: date | None
    book: dict[str, str] | None
