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
    """One accepted telemetry sample, keyed by (device, seq, device time): a redelivered reading
    stores nothing twice. On PostgreSQL the table is partitioned by day of device time (migration
    0013; ``service.partitions`` keeps days ahead), so the key must hold the partition column."""

    __tablename__ = "telematics_readings"
    __table_args__ = (Index("ix_telematics_readings_vehicle_time", "vehicle_id", "device_time"),)

    device_id: Mapped[uuid.UUID] = mapped_column(Uuid(), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    device_time: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True)
    vehicle_id: Mapped[uuid.UUID] = mapped_column(Uuid(), nullable=False)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)
    speed_kmh: Mapped[float | None] = mapped_column(Float)
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    """The decoded, validated signals (OBD PIDs by name, EV pack, tyres, 12 V, motion, DTCs)."""


class VehicleState(Base):
    """The latest known state of a car, and the alert rules' memory for it. Rewritten by every
    reading: on PostgreSQL the table keeps 30 % of each page free and no column that changes per
    reading is indexed, so the rewrite stays in place (a HOT update, migration 0017)."""

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
    trip_last_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
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
    deliver_after: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    """A quiet alert's notice waits until the end of the quiet window (``service.quiet``)."""
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    """When the owner's inbox got the notice; None while it waits (or was never sent)."""


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


class BatteryReport(IdMixin, TimestampMixin, Base):
    """One EV's battery health for one calendar month (Beijing time), from its charge sessions
    (``service.battery_reports``). (vehicle, month) is unique: a re-run replaces the figures."""

    __tablename__ = "telematics_battery_reports"
    __table_args__ = (UniqueConstraint("vehicle_id", "month"),)

    vehicle_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("vehicles.id", ondelete="CASCADE"), nullable=False
    )
    month: Mapped[date] = mapped_column(Date, nullable=False)
    """The first day of the month."""
    complete: Mapped[bool] = mapped_column(default=False, nullable=False)
    """False while the month was still running when the report was computed."""
    soh_pct: Mapped[float | None] = mapped_column(Float)
    """State of health; None with fewer accepted sessions than the rules need."""
    low_pct: Mapped[float | None] = mapped_column(Float)
    high_pct: Mapped[float | None] = mapped_column(Float)
    """The 95 % band around ``soh_pct``."""
    sessions: Mapped[int] = mapped_column(Integer, nullable=False)
    """Accepted charge sessions."""
    rejected: Mapped[int] = mapped_column(Integer, nullable=False)
    reasons: Mapped[dict[str, int]] = mapped_column(JSONType, nullable=False)
    """Why sessions gave no figure (partial charge, data gap, ...): reason code → count."""
    fast_share: Mapped[float] = mapped_column(Float, nullable=False)
    trend: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    """The fade line over recent months and when it reaches 80 %, or None (too few months)."""
    anomalies: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, nullable=False)
    advice: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, nullable=False)
    capacity: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    """The nominal capacity used and where it came from (the car's record or an assumption)."""
    shop: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    """The nearest certified shop offered when the advice needs one."""
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    """When the owner was told that the battery needs a shop (once per report)."""


class CareRequest(IdMixin, TimestampMixin, Base):
    """An owner's one-tap request from an alert or a reminder: repair or maintenance at a shop,
    rescue, a charger, or a claim started from a crash. Dispatch turns it into an order; until
    then it is recorded, requested. (vehicle, dedupe key) is unique: repeated taps make one."""

    __tablename__ = "telematics_care_requests"
    __table_args__ = (
        UniqueConstraint("vehicle_id", "dedupe_key"),
        Index("ix_telematics_care_requests_vehicle_created", "vehicle_id", "created_at"),
    )

    vehicle_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("vehicles.id", ondelete="CASCADE"), nullable=False
    )
    kind: Mapped[str] = mapped_column(String(12), nullable=False)
    status: Mapped[str] = mapped_column(String(12), nullable=False)
    dedupe_key: Mapped[str] = mapped_column(String(120), nullable=False)
    alert_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("telematics_alerts.id", ondelete="SET NULL")
    )
    reminder_key: Mapped[str | None] = mapped_column(String(80))
    location_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("partner_locations.id", ondelete="SET NULL")
    )
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)
    details: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    """What the owner saw when tapping: the shop and its distance, the crash time and place."""
    requested_by: Mapped[uuid.UUID | None] = mapped_column(Uuid())
    claim_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("claims.id", ondelete="SET NULL"))
