"""API shapes of claims."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class FnolCreate(BaseModel):
    """The report part of a first notice of loss (photos travel as multipart files)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    vehicle_id: uuid.UUID
    occurred_at: AwareDatetime
    description: str = Field(min_length=1, max_length=2000)
    idempotency_key: str = Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")
    lat: float | None = Field(default=None, ge=-90, le=90, allow_inf_nan=False)
    lng: float | None = Field(default=None, ge=-180, le=180, allow_inf_nan=False)
    place: str | None = Field(default=None, max_length=200)
    other_parties: int = Field(default=0, ge=0, le=20)
    police_report_no: str | None = Field(default=None, max_length=40)


class PhotoRead(BaseModel):
    seq: int
    sha256: str
    width: int
    height: int
    taken_at: datetime | None
    quality: dict[str, Any]
    flags: list[dict[str, Any]]
    retake: list[str] = Field(description="what to fix, in the caller's language")


class ClaimRead(BaseModel):
    id: uuid.UUID
    claim_no: str
    status: str
    policy_id: uuid.UUID
    vehicle_id: uuid.UUID
    occurred_at: datetime
    reported_at: datetime
    lat: float | None
    lng: float | None
    place: str | None
    description: str
    other_parties: int
    police_report_no: str | None
    flags: list[dict[str, Any]]
    photos: list[PhotoRead]
