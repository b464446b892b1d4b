"""API shapes of the parts domain."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class CommissionCreate(Strict):
    gtin: str = Field(min_length=8, max_length=14, examples=["09521234543213"])
    name: str = Field(min_length=1, max_length=120, examples=["前保险杠 Front bumper"])
    part_number: str | None = Field(default=None, max_length=40)
    lot: str | None = Field(default=None, max_length=20, pattern=r"^[!-~]{1,20}$")
    quantity: int = Field(ge=1, le=500)
    location_id: uuid.UUID


class ShipBody(Strict):
    to_location_id: uuid.UUID


class SiteBody(Strict):
    location_id: uuid.UUID


class InstallBody(Strict):
    vehicle_id: uuid.UUID
    repair_order: str | None = Field(
        default=None, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
    )


class RemoveBody(Strict):
    location_id: uuid.UUID
    repair_order: str | None = Field(
        default=None, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
    )


class PartRead(BaseModel):
    id: uuid.UUID
    gtin: str
    serial: str
    name: str
    part_number: str | None
    lot: str | None
    state: str
    epc: str
    digital_link: str
    last_event_at: datetime
    installed: bool


class PartEventRead(BaseModel):
    biz_step: str
    event_time: datetime
    record_time: datetime
    event_hash: str
    leaf_index: int | None = Field(description="its entry on the evidence log, once sequenced")
    proven: bool = Field(description="inclusion proof checked against the latest checkpoint")
    event: dict[str, Any]


class PartHistoryRead(BaseModel):
    part: PartRead
    checkpoint_size: int | None
    events: list[PartEventRead]


class CaptureRead(BaseModel):
    events: int
    recorded: int
    duplicates: int = Field(description="events already recorded (same CBV 2.0 hash ID)")


class ScanBody(Strict):
    uri: str = Field(min_length=1, max_length=2048)
    city: str | None = Field(default=None, max_length=40)
    lat: float | None = Field(default=None, ge=-90, le=90, allow_inf_nan=False)
    lon: float | None = Field(default=None, ge=-180, le=180, allow_inf_nan=False)


class ReasonRead(BaseModel):
    code: str
    params: dict[str, str | int]
    text: str


class ScanRead(BaseModel):
    level: str = Field(description="genuine | unusual | suspect | unknown")
    score: int
    reasons: list[ReasonRead]
    part: PartRead | None
    events: list[PartEventRead]
    checkpoint_size: int | None
    installed_in_your_car: bool | None
