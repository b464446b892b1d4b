"""API shapes of claims."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StrictInt


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
    ocr: dict[str, Any]
    estimate_fen: int | None
    approved_fen: int | None
    settlement: str | None
    fast_track: bool
    reasons: list[ReasonRead]
    payout: PayoutRead | None
    review_requested_at: datetime | None
    assigned_to: uuid.UUID | None
    sla_due_at: datetime | None


class DamageItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    part: str = Field(max_length=40, description="a car-diagram part code, e.g. front_bumper")
    damage: str = Field(max_length=20, description="dent, scratch, crack, glass_shatter, …")
    severity: str = Field(default="moderate", max_length=10)


class AssessmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[DamageItemIn] = Field(min_length=1, max_length=33)


class EstimateLineRead(BaseModel):
    part: str
    operation: str
    amount_fen: int
    quantity: int
    hours_tenths: int
    unit_fen: int
    materials_fen: int
    explanation: str = Field(description="where the line came from, in the caller's language")
    why: dict[str, Any] = Field(description="the explanation's key and parameters")


class EstimateRead(BaseModel):
    seq: int
    kind: str
    status: str
    total_fen: int
    currency: str = "CNY"
    city_tier: int
    items: list[dict[str, Any]]
    lines: list[EstimateLineRead]
    created_at: datetime


class ReasonRead(BaseModel):
    code: str
    text: str
    params: dict[str, Any]


class PayoutRead(BaseModel):
    amount_fen: int
    status: str
    payee: str
    provider_ref: str | None
    instructed_at: datetime
    paid_at: datetime | None


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Literal["approve", "partial", "reject", "request_photos"]
    amount_fen: StrictInt | None = Field(default=None, gt=0)
    reason: str | None = Field(default=None, max_length=40)
    note: str | None = Field(default=None, max_length=2000)
    settlement: Literal["cash", "repair"] = "cash"


class TextIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    text: str = Field(min_length=1, max_length=2000)


class ReviewResolveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reopen: bool = False
    note: str = Field(min_length=1, max_length=2000)


class AssignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    adjuster_id: uuid.UUID | None = None


class TimelineEntry(BaseModel):
    at: datetime
    kind: str
    text: str
    data: dict[str, Any]


class DeskClaimRead(BaseModel):
    id: uuid.UUID
    claim_no: str
    status: str
    estimate_fen: int | None
    reasons: list[ReasonRead]
    assigned_to: uuid.UUID | None
    sla_due_at: datetime | None
    sla: str
    review_requested: bool
    reported_at: datetime


class ShopRead(BaseModel):
    location_id: uuid.UUID
    partner_id: uuid.UUID
    name: str
    address: str
    distance_km: float
    nev_brand: str | None


class ChooseShopIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    location_id: uuid.UUID


class MilestoneRead(BaseModel):
    kind: str
    at: datetime
    note: str | None
    photo_sha256: str | None
    parts: list[dict[str, Any]]


class RepairOrderRead(BaseModel):
    id: uuid.UUID
    order_no: str
    claim_no: str
    status: str
    shop: str
    distance_km: float | None
    offered_at: datetime
    accepted_at: datetime | None
    expected_ready_at: datetime | None
    delivered_at: datetime | None
    milestones: list[MilestoneRead]


class RespondIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    accept: bool
    reason: str = Field(default="", max_length=200)


class SupplementDecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    accepted: list[str] = Field(max_length=200, description='lines as "part/operation"')


class LineDiffRead(BaseModel):
    part: str
    operation: str
    change: str
    before_fen: int
    after_fen: int
    delta_fen: int


class SupplementRead(BaseModel):
    estimate: EstimateRead
    base_total_fen: int
    counter_total_fen: int
    delta_fen: int
    lines: list[LineDiffRead]


class StageRead(BaseModel):
    stage: str
    count: int
    p50_hours: float | None
    p90_hours: float | None


class MetricsRead(BaseModel):
    since: datetime
    reported: int
    decided: int
    fast_tracked: int
    paid: int
    fast_track_rate: float | None
    touchless_rate: float | None
    dispute_rate: float | None
    in_desk: int
    sla_breached: int
    stages: list[StageRead]


ClaimRead.model_rebuild()
