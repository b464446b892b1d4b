"""API shapes of telematics."""

from __future__ import annotations

import uuid
from datetime import datetime
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
