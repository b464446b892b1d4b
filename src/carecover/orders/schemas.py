"""API shapes of service orders, offers and units."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from carecover.benefits.enums import ServiceType
from carecover.orders.enums import OfferOutcome, OrderChannel, OrderStatus, UnitKind, UnitStatus


class OrderCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    vehicle_id: uuid.UUID
    service: ServiceType
    lat: float = Field(ge=-90, le=90, allow_inf_nan=False)
    lng: float = Field(ge=-180, le=180, allow_inf_nan=False)
    note: str | None = Field(default=None, max_length=500)
    accept_price: bool = False
    """The customer accepts the market price when the package does not cover the service."""
    channel: OrderChannel = OrderChannel.app


class OrderCancel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=200)


class OrderStep(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: OrderStatus
    reason: str | None = Field(default=None, max_length=200)
    end_lat: float | None = Field(default=None, ge=-90, le=90, allow_inf_nan=False)
    end_lng: float | None = Field(default=None, ge=-180, le=180, allow_inf_nan=False)


class OfferAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    accept: bool
    reason: str | None = Field(default=None, max_length=200)


class Assignment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    unit_id: uuid.UUID


class PositionPost(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lat: float = Field(ge=-90, le=90, allow_inf_nan=False)
    lng: float = Field(ge=-180, le=180, allow_inf_nan=False)
    at: datetime
    heading: float | None = Field(default=None, ge=0, lt=360, allow_inf_nan=False)


class DutyPost(BaseModel):
    model_config = ConfigDict(extra="forbid")

    on_duty: bool


class UnitRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    partner_id: uuid.UUID
    kind: UnitKind
    call_sign: str
    driver_name: str
    city_adcode: str
    status: UnitStatus
    lat: float
    lng: float
    position_at: datetime
    heading: float | None
    rating: float
    order_id: uuid.UUID | None


class OfferRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    order_id: uuid.UUID
    partner_id: uuid.UUID
    unit_id: uuid.UUID | None
    location_id: uuid.UUID | None
    outcome: OfferOutcome
    offered_at: datetime
    expires_at: datetime
    answered_at: datetime | None
    eta_s: int
    km: float
    cost_fen: int
    reason: str | None


class EventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    at: datetime
    kind: str
    status: OrderStatus
    details: dict[str, Any]


class TrackingUnit(BaseModel):
    call_sign: str
    kind: UnitKind
    driver_name: str
    driver_phone: str | None
    """Masked (138****5678): the owner never sees the full number."""
    lat: float
    lng: float
    position_at: datetime
    eta_s: int | None
    """Seconds from now to the car at the current position (None once on site)."""


class OrderRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    number: str
    vehicle_id: uuid.UUID
    service: ServiceType
    channel: OrderChannel
    status: OrderStatus
    lat: float
    lng: float
    city_adcode: str
    covered: bool
    price_fen: int
    partner_id: uuid.UUID | None
    unit_id: uuid.UUID | None
    beyond_circle: bool
    fallback_location_id: uuid.UUID | None
    eta_s: int | None
    replacement_offered: bool
    requested_at: datetime
    offered_at: datetime | None
    accepted_at: datetime | None
    en_route_at: datetime | None
    on_site_at: datetime | None
    finished_at: datetime | None
    final_reason: str | None
    rating_requested_at: datetime | None


class OrderDetail(OrderRead):
    timeline: list[EventRead]
    unit: TrackingUnit | None = None
