"""Policy request and response shapes. Money is integer fen: floats and strings are refused."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StringConstraints

from carecover.policies.enums import CancelReason, Coverage, PolicyKind, PolicyStatus

Fen = Annotated[StrictInt, Field(ge=0, le=10_000_000_000)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CoverageRequest(Strict):
    coverage: Coverage
    limit_fen: Fen | None = None
    deductible_fen: Fen = 0
    seats: Annotated[StrictInt, Field(ge=1, le=60)] | None = None


class QuoteCreate(Strict):
    vehicle_id: uuid.UUID
    product_code: Annotated[str, StringConstraints(strip_whitespace=True, max_length=30)]
    starts_at: datetime
    ends_at: datetime | None = None
    """Defaults to one year after ``starts_at``."""
    coverages: Annotated[list[CoverageRequest], Field(min_length=1, max_length=20)]


class CancelRequest(Strict):
    reason: CancelReason
    at: datetime | None = None


class CoverageRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    coverage: Coverage
    limit_fen: int | None
    deductible_fen: int
    seats: int | None
    premium_fen: int
    explanation: list[dict[str, Any]]


class PolicyRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    policy_no: str
    product_code: str
    kind: PolicyKind
    vehicle_id: uuid.UUID
    holder_id: uuid.UUID
    status: PolicyStatus
    starts_at: datetime
    ends_at: datetime
    premium_fen: int
    refund_fen: int
    quote_valid_until: datetime | None
    bound_at: datetime | None
    cancelled_at: datetime | None
    cancel_reason: CancelReason | None
    renewal_of_id: uuid.UUID | None
    renewed_by_id: uuid.UUID | None
    coverages: list[CoverageRead] = []
