"""Devices, their readings, each car's latest state, and refused readings."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from carecover.platform.db import Base, IdMixin, JSONType, TimestampMixin, UTCDateTime
from carecover.telematics.enums import DeviceKind, DeviceStatus, RejectReason


class Device(IdMixin, TimestampMixin, Base):
    """A telematics device fitted to one car; it signs in with its id and a secret."""

    __tablename__ = "telematics_devices"

    device_no: Mapped[str] = mapped_column(String(40), unique=True, nullable=False)
    """The public device id used in MQTT topics and HTTP calls."""
    vehicle_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("vehicles.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    kind: Mapped[DeviceKind] = mapped_column(
        Enum(DeviceKind, native_enum=False, length=16), nullable=False
    )
    status: Mapped[DeviceStatus] = mapped_column(
        Enum(DeviceStatus, native_enum=False, length=10), nullable=False
    )
    secret_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    """SHA-256 of the device secret (128 random bits: a fast hash is enough, nothing to guess)."""
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_seq: Mapped[int | None] = mapped_column(BigInteger)


class Reading(Base):
    """One accepted telemetry sample. (device, seq) is unique: redelivery stores nothing twice."""

    __tablename__ = "telematics_readings"
    __table_args__ = (
        UniqueConstraint("device_id", "seq"),
        Index("ix_telematics_readings_vehicle_time", "vehicle_id", "device_time"),
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    device_id: Mapped[uuid.UUID] = mapped_column(Uuid(), nullable=False)
    vehicle_id: Mapped[uuid.UUID] = mapped_column(Uuid(), nullable=False)
    seq: Mapped[int] = mapped_column(BigInteger, nullable=False)
    device_time: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)
    speed_kmh: Mapped[float | None] = mapped_column(Float)
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    """The decoded, validated signals (OBD PIDs by name, EV pack, tyres, 12 V, motion, DTCs)."""


class VehicleState(Base):
    """The latest known state of a car, and the alert rules' memory for it."""

    __tablename__ = "telematics_vehicle_state"

    vehicle_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("vehicles.id", ondelete="CASCADE"), primary_key=True
    )
    device_time: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)
    signals: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    rule_state: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class RejectedReading(IdMixin, Base):
    """A refused reading with its reason (kept short: no payload beyond the first bytes)."""

    __tablename__ = "telematics_rejects"
    __table_args__ = (Index("ix_telematics_rejects_reason_at", "reason", "received_at"),)

    device_no: Mapped[str | None] = mapped_column(String(40))
    reason: Mapped[RejectReason] = mapped_column(
        Enum(RejectReason, native_enum=False, length=20), nullable=False
    )
    detail: Mapped[str] = mapped_column(String(200), nullable=False)
    excerpt: Mapped[str | None] = mapped_column(String(200))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class Alert(IdMixin, Base):
    """One alert a car's telemetry raised, with the concrete next step offered to the owner.
    (vehicle, episode, severity) is unique: a redelivered reading never raises it twice."""

    __tablename__ = "telematics_alerts"
    __table_args__ = (
        UniqueConstraint("vehicle_id", "episode_key", "severity"),
        Index("ix_telematics_alerts_vehicle_raised", "vehicle_id", "raised_at"),
    )

    vehicle_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("vehicles.id", ondelete="CASCADE"), nullable=False
    )
    code: Mapped[str] = mapped_column(String(40), nullable=False)
    severity: Mapped[str] = mapped_column(String(10), nullable=False)
    wheel: Mapped[str | None] = mapped_column(String(2))
    params: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    episode_key: Mapped[str] = mapped_column(String(120), nullable=False)
    quiet: Mapped[bool] = mapped_column(default=False, nullable=False)
    """Raised in the owner's quiet hours (not urgent): push delivery waits for the morning."""
    action: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    """The answer offered: the nearest certified shop (and how far), rescue, or a charger."""
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    """Device time of the reading that raised it."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
