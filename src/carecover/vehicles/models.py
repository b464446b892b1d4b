"""Vehicle records and odometer readings."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from carecover.platform.clock import utc_now
from carecover.platform.db import Base, IdMixin, TimestampMixin, UTCDateTime
from carecover.vehicles.enums import OdometerSource, Powertrain, Usage


class Vehicle(IdMixin, TimestampMixin, Base):
    """One car. One VIN, one vehicle; the plate is personal data once linked to an owner, so it is
    encrypted with a blind index for exact search."""

    __tablename__ = "vehicles"
    __table_args__ = (
        CheckConstraint("purchase_price_fen >= 0", name="purchase_price_not_negative"),
        CheckConstraint("battery_kwh IS NULL OR battery_kwh > 0", name="battery_positive"),
    )

    vin: Mapped[str] = mapped_column(String(17), unique=True, nullable=False)
    plate_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    plate_bidx: Mapped[str | None] = mapped_column(String(64), unique=True)
    plate_province: Mapped[str | None] = mapped_column(String(2))
    is_green_plate: Mapped[bool] = mapped_column(default=False, nullable=False)
    owner_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("customers.id", ondelete="RESTRICT"), index=True, nullable=False
    )
    make: Mapped[str] = mapped_column(String(60), nullable=False)
    model: Mapped[str] = mapped_column(String(80), nullable=False)
    model_year: Mapped[int] = mapped_column(Integer, nullable=False)
    powertrain: Mapped[Powertrain] = mapped_column(
        Enum(Powertrain, native_enum=False, length=10), nullable=False
    )
    battery_kwh: Mapped[Decimal | None] = mapped_column(Numeric(6, 1))
    usage: Mapped[Usage] = mapped_column(Enum(Usage, native_enum=False, length=20), nullable=False)
    purchase_date: Mapped[date | None] = mapped_column(Date)
    purchase_price_fen: Mapped[int | None] = mapped_column(BigInteger)


class OdometerReading(IdMixin, Base):
    """A reading of the odometer at a moment; readings never go down over time."""

    __tablename__ = "odometer_readings"
    __table_args__ = (
        Index("ix_odometer_readings_vehicle_read_at", "vehicle_id", "read_at"),
        CheckConstraint("km >= 0", name="km_not_negative"),
    )

    vehicle_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("vehicles.id", ondelete="CASCADE"), nullable=False
    )
    km: Mapped[int] = mapped_column(Integer, nullable=False)
    read_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now, nullable=False)
    source: Mapped[OdometerSource] = mapped_column(
        Enum(OdometerSource, native_enum=False, length=20), nullable=False
    )
