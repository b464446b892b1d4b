"""Entitlement request and response shapes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, StringConstraints

from carecover.benefits.enums import Audience, QuotaPeriod, ServiceType


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class GrantCreate(Strict):
    package_code: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)]
    starts_at: datetime | None = None
    policy_id: uuid.UUID | None = None


class GrantRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    vehicle_id: uuid.UUID
    package_code: str
    valid_from: datetime
    valid_until: datetime


class UseCreate(Strict):
    service: ServiceType
    reference: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=80)]
    incident_ref: Annotated[str, StringConstraints(strip_whitespace=True, max_length=60)] | None = (
        None
    )
    allow_paid: bool = False


class UseRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    service: ServiceType
    reference: str
    price_fen: int
    covered: bool
    used_at: datetime


class DecisionRead(BaseModel):
    service: ServiceType
    covered: bool
    price_fen: int
    remaining: int | None
    package_code: str | None
    reason: str
    rules: dict[str, Any]


class BalanceRead(BaseModel):
    package_code: str
    service: ServiceType
    period: QuotaPeriod
    quota: int | None
    used: int
    remaining: int | None
    valid_until: datetime
    rules: dict[str, Any]


class PackageItemRead(BaseModel):
    service: ServiceType
    quota: int | None
    period: QuotaPeriod
    rules: dict[str, Any]


class PackageRead(BaseModel):
    code: str
    audience: Audience
    validity_months: int
    price_fen: int
    items: list[PackageItemRead]
