"""Devices, their readings, each car's latest state, and refused readings."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Date,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
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
    trip_state: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    """The trip segmenter's memory (``service.trips.TripState``), like ``rule_state``."""
    trip_last_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    """The open trip's last reading; None when no trip is open (what the silent-car sweep reads)."""


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


class Trip(IdMixin, Base):
    """One trip, measured and scored as it ended, from the stream (``service.trips``).
    (vehicle, start) is unique: however often its readings are redelivered, it is stored once."""

    __tablename__ = "telematics_trips"
    __table_args__ = (UniqueConstraint("vehicle_id", "started_at"),)

    vehicle_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("vehicles.id", ondelete="CASCADE"), nullable=False
    )
    month: Mapped[str] = mapped_column(String(7), nullable=False)
    """The local (Asia/Shanghai) month of the start, ``YYYY-MM``: the report it counts in."""
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    ended_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    end_reason: Mapped[str] = mapped_column(String(16), nullable=False)
    discarded: Mapped[str | None] = mapped_column(String(16))
    """Why it does not count (too short); such trips have no score."""
    distance_km: Mapped[float] = mapped_column(Float, nullable=False)
    duration_s: Mapped[float] = mapped_column(Float, nullable=False)
    moving_s: Mapped[float] = mapped_column(Float, nullable=False)
    max_speed_kmh: Mapped[float] = mapped_column(Float, nullable=False)
    avg_speed_kmh: Mapped[float] = mapped_column(Float, nullable=False)
    harsh_braking: Mapped[int] = mapped_column(Integer, nullable=False)
    harsh_acceleration: Mapped[int] = mapped_column(Integer, nullable=False)
    harsh_cornering: Mapped[int] = mapped_column(Integer, nullable=False)
    speeding_share: Mapped[float] = mapped_column(Float, nullable=False)
    night_share: Mapped[float] = mapped_column(Float, nullable=False)
    night_km: Mapped[float] = mapped_column(Float, nullable=False)
    gps_jumps: Mapped[int] = mapped_column(Integer, nullable=False)
    score: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class DrivingMonth(Base):
    """A car's driving in one local month: running totals, added to as each trip is stored (never
    re-read from the trips), and the report last computed from them."""

    __tablename__ = "telematics_driving_months"

    vehicle_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("vehicles.id", ondelete="CASCADE"), primary_key=True
    )
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    trips: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    """Kept (scored) trips; ``discarded`` counts the rest."""
    discarded: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    distance_km: Mapped[float] = mapped_column(Float, default=0.0, nullable=False)
    moving_s: Mapped[float] = mapped_column(Float, default=0.0, nullable=False)
    score_weight: Mapped[float] = mapped_column(Float, default=0.0, nullable=False)
    weighted_score: Mapped[float] = mapped_column(Float, default=0.0, nullable=False)
    """Sum of weight × score over kept trips (weight: km × min(1, km))."""
    harsh_braking: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    harsh_acceleration: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    harsh_cornering: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    speeding_s: Mapped[float] = mapped_column(Float, default=0.0, nullable=False)
    night_s: Mapped[float] = mapped_column(Float, default=0.0, nullable=False)
    night_km: Mapped[float] = mapped_column(Float, default=0.0, nullable=False)
    max_speed_kmh: Mapped[float] = mapped_column(Float, default=0.0, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    score: Mapped[float | None] = mapped_column(Float)
    ubi_factor: Mapped[Decimal | None] = mapped_column(Numeric(4, 2))
    """Proposed for the renewal, never applied here (None: too little driving to judge)."""
    ubi_reason: Mapped[str | None] = mapped_column(String(24))
    hints: Mapped[list[str]] = mapped_column(JSONType, default=list, nullable=False)
    driver_age: Mapped[int | None] = mapped_column(Integer)
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    final: Mapped[bool] = mapped_column(default=False, nullable=False)
    """The month is over and the monthly job wrote this report."""


class MaintenanceRecord(IdMixin, Base):
    """A service done on a car (one item): the day and the odometer then."""

    __tablename__ = "telematics_maintenance_records"
    __table_args__ = (Index("ix_telematics_maintenance_records_vehicle", "vehicle_id", "done_on"),)

    vehicle_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("vehicles.id", ondelete="CASCADE"), nullable=False
    )
    item: Mapped[str] = mapped_column(String(20), nullable=False)
    done_on: Mapped[date] = mapped_column(Date, nullable=False)
    odometer_km: Mapped[int] = mapped_column(Integer, nullable=False)
    source: Mapped[str] = mapped_column(String(12), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class MaintenanceReminder(IdMixin, Base):
    """A maintenance reminder sent to the owner; the latest is what ``should_send`` compares
    with. One a day per car at most."""

    __tablename__ = "telematics_maintenance_reminders"
    __table_args__ = (UniqueConstraint("vehicle_id", "sent_on"),)

    vehicle_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("vehicles.id", ondelete="CASCADE"), nullable=False
    )
    sent_on: Mapped[date] = mapped_column(Date, nullable=False)
    status: Mapped[str] = mapped_column(String(10), nullable=False)
    items: Mapped[list[str]] = mapped_column(JSONType, nullable=False)
    params: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
