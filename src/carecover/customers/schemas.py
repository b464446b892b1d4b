"""Customer request and response shapes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints

from carecover.customers.enums import ConsentPurpose

Text100 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Language = Literal["zh-CN", "en"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CustomerCreate(Strict):
    name: Text100
    mobile: Annotated[str, StringConstraints(strip_whitespace=True, min_length=5, max_length=20)]
    id_number: Annotated[str, StringConstraints(strip_whitespace=True, max_length=18)] | None = None
    address: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None
    language: Language = "zh-CN"
    user_id: uuid.UUID | None = None


class CustomerUpdate(Strict):
    mobile: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=5, max_length=20)] | None
    ) = None
    address: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None
    language: Language | None = None


class CustomerRead(BaseModel):
    """Staff view: personal fields masked; coarse location in clear."""

    id: uuid.UUID
    customer_no: str
    name_masked: str
    mobile_masked: str
    id_number_masked: str | None
    province: str | None
    city: str | None
    district: str | None
    adcode: str | None
    language: str
    has_account: bool
    created_at: datetime


class CustomerDetail(CustomerRead):
    """The customer's own view (or a staff member with a reason to see it): in full."""

    name: str
    mobile: str
    id_number: str | None
    address_detail: str | None


class ConsentGrant(Strict):
    purpose: ConsentPurpose
    scope: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=500)]
    channel: Annotated[str, StringConstraints(strip_whitespace=True, max_length=30)] = "app"


class ConsentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    purpose: ConsentPurpose
    scope: str
    channel: str
    granted_at: datetime
    withdrawn_at: datetime | None
