"""Vehicle request and response shapes."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StringConstraints

from carecover.vehicles.enums import OdometerSource, Powertrain, Usage

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class VehicleCreate(Strict):
    vin: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]
    plate: Annotated[str, StringConstraints(strip_whitespace=True, max_length=12)] | None = None
    owner_id: uuid.UUID
    make: Name
    model: Name
    model_year: Annotated[int, Field(ge=1980, le=2100)]
    powertrain: Powertrain
    battery_kwh: Annotated[Decimal, Field(gt=0, le=500, max_digits=5, decimal_places=1)] | None = (
        None
    )
    usage: Usage = Usage.private
    purchase_date: date | None = None
    purchase_price_fen: Annotated[StrictInt, Field(ge=0)] | None = None


class VehicleRead(BaseModel):
    """Staff view: the plate masked."""

    id: uuid.UUID
    vin: str
    plate_masked: str | None
    is_green_plate: bool
    owner_id: uuid.UUID
    make: str
    model: str
    model_year: int
    powertrain: Powertrain
    battery_kwh: Decimal | None
    usage: Usage
    purchase_date: date | None
    purchase_price_fen: int | None
    odometer_km: int | None
    created_at: datetime


class VehicleDetail(VehicleRead):
    """The owner's own view: the plate in full."""

    plate: str | None


class OdometerCreate(Strict):
    km: Annotated[StrictInt, Field(ge=0, le=5_000_000)]
    read_at: datetime | None = None
    source: OdometerSource = OdometerSource.owner


class OdometerRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    km: int
    read_at: datetime
    source: OdometerSource
