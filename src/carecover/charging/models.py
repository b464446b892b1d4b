"""Charging locations, EVSEs, connectors and tariffs (OCPI 2.2.1 Locations and Tariffs), the
parties that may write them, EVSE status history, and owners' charging-failure reports.

A location is keyed as OCPI keys it: (country_code, party_id, id). The columns hold what the
registry searches and shows; the rest of an OCPI object (directions, images, energy mix …)
stays in ``details`` so a location reads back as it was sent. Money is integer fen.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from carecover.charging.enums import (
    ConnectorFormat,
    ConnectorType,
    EvseStatus,
    FailureReason,
    PowerType,
)
from carecover.platform.clock import utc_now
from carecover.platform.db import Base, IdMixin, JSONType, Money, TimestampMixin, UTCDateTime


class ChargingParty(IdMixin, TimestampMixin, Base):
    """An OCPI party (country code + party id) and the charging-operator partner it belongs to:
    only that partner's users may write its locations and tariffs."""

    __tablename__ = "charging_parties"
    __table_args__ = (UniqueConstraint("country_code", "party_id"),)

    country_code: Mapped[str] = mapped_column(String(2), nullable=False)
    party_id: Mapped[str] = mapped_column(String(3), nullable=False)
    partner_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("partners.id", ondelete="CASCADE"), index=True, nullable=False
    )
    simulated: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    """Statuses come from the demo feed (``charging.demo``), not from a real operator."""


class ChargingLocation(IdMixin, TimestampMixin, Base):
    """An OCPI Location: a group of EVSEs at one place, run by one operator partner."""

    __tablename__ = "charging_locations"
    __table_args__ = (
        UniqueConstraint("country_code", "party_id", "ocpi_id"),
        Index("ix_charging_locations_lat_lng", "lat", "lng"),
        Index("ix_charging_locations_layout_changed_at", "layout_changed_at"),
        CheckConstraint("lat >= -90 AND lat <= 90", name="lat_in_range"),
        CheckConstraint("lng >= -180 AND lng <= 180", name="lng_in_range"),
    )

    country_code: Mapped[str] = mapped_column(String(2), nullable=False)
    party_id: Mapped[str] = mapped_column(String(3), nullable=False)
    ocpi_id: Mapped[str] = mapped_column(String(36), nullable=False)
    operator_partner_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("partners.id", ondelete="RESTRICT"), index=True, nullable=False
    )
    partner_location_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid(), ForeignKey("partner_locations.id", ondelete="SET NULL"), index=True
    )
    publish: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    name: Mapped[str | None] = mapped_column(String(255))
    address: Mapped[str] = mapped_column(String(45), nullable=False)
    city: Mapped[str] = mapped_column(String(45), nullable=False)
    postal_code: Mapped[str | None] = mapped_column(String(10))
    state: Mapped[str | None] = mapped_column(String(20))
    country: Mapped[str] = mapped_column(String(3), nullable=False)
    lat: Mapped[float] = mapped_column(Float, nullable=False)
    lng: Mapped[float] = mapped_column(Float, nullable=False)
    parking_type: Mapped[str | None] = mapped_column(String(30))
    time_zone: Mapped[str] = mapped_column(String(255), nullable=False)
    opening_times: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    charging_when_closed: Mapped[bool | None] = mapped_column(Boolean)
    details: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict, nullable=False)
    """The OCPI fields kept as sent: operator, owner, facilities, directions, images …"""
    last_updated: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    """OCPI ``last_updated``: the newest of the location's, its EVSEs' and connectors'."""
    layout_changed_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utc_now, nullable=False
    )
    """When what the spatial index holds (place, publish, EVSEs, connectors) last changed here;
    status changes leave it alone, so they never rebuild the index."""


class Evse(IdMixin, TimestampMixin, Base):
    """An OCPI EVSE: one charging point; one session at a time whatever its connectors."""

    __tablename__ = "charging_evses"
    __table_args__ = (UniqueConstraint("location_id", "uid"),)

    location_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("charging_locations.id", ondelete="CASCADE"), nullable=False
    )
    uid: Mapped[str] = mapped_column(String(36), nullable=False)
    evse_id: Mapped[str | None] = mapped_column(String(48))
    status: Mapped[EvseStatus] = mapped_column(
        Enum(EvseStatus, native_enum=False, length=20), nullable=False
    )
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    """The operator's time of the change to the current status."""
    status_reported_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    """The operator's time of the latest update that stated the status (a change or not): the
    status is trusted only while this is recent."""
    capabilities: Mapped[list[str]] = mapped_column(JSONType, default=list, nullable=False)
    floor_level: Mapped[str | None] = mapped_column(String(4))
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)
    physical_reference: Mapped[str | None] = mapped_column(String(16))
    details: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict, nullable=False)
    """status_schedule, directions, parking_restrictions, images, as sent."""
    suspect_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    """An owner reported a charging failure here; not offered as available until the operator
    states a status newer than the report."""
    last_updated: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class Connector(IdMixin, TimestampMixin, Base):
    """An OCPI Connector: a socket or cable of an EVSE, its standard and power."""

    __tablename__ = "charging_connectors"
    __table_args__ = (
        UniqueConstraint("evse_pk", "connector_id"),
        CheckConstraint("max_voltage > 0", name="max_voltage_positive"),
        CheckConstraint("max_amperage > 0", name="max_amperage_positive"),
        CheckConstraint(
            "max_electric_power IS NULL OR max_electric_power > 0",
            name="max_electric_power_positive",
        ),
    )

    evse_pk: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("charging_evses.id", ondelete="CASCADE"), index=True, nullable=False
    )
    connector_id: Mapped[str] = mapped_column(String(36), nullable=False)
    standard: Mapped[ConnectorType] = mapped_column(
        Enum(ConnectorType, native_enum=False, length=30), nullable=False
    )
    format: Mapped[ConnectorFormat] = mapped_column(
        Enum(ConnectorFormat, native_enum=False, length=10), nullable=False
    )
    power_type: Mapped[PowerType] = mapped_column(
        Enum(PowerType, native_enum=False, length=20), nullable=False
    )
    max_voltage: Mapped[int] = mapped_column(Integer, nullable=False)
    max_amperage: Mapped[int] = mapped_column(Integer, nullable=False)
    max_electric_power: Mapped[int | None] = mapped_column(Integer)
    """Watts, when lower than voltage × amperage × phases (a 150 kW cap on a 920 V 400 A unit)."""
    tariff_ids: Mapped[list[str]] = mapped_column(JSONType, default=list, nullable=False)
    terms_and_conditions: Mapped[str | None] = mapped_column(String(255))
    last_updated: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)

    @property
    def power_w(self) -> int:
        """What it can deliver: ``max_electric_power``, else volts × amps × phases."""
        if self.max_electric_power is not None:
            return self.max_electric_power
        return self.max_voltage * self.max_amperage * self.power_type.phases


class EvseStatusChange(IdMixin, Base):
    """One status change of an EVSE, as the operator reported it (the history behind
    ``Evse.status``)."""

    __tablename__ = "charging_evse_status_changes"
    __table_args__ = (Index("ix_charging_evse_status_changes_evse_at", "evse_pk", "changed_at"),)

    evse_pk: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("charging_evses.id", ondelete="CASCADE"), nullable=False
    )
    previous: Mapped[EvseStatus | None] = mapped_column(
        Enum(EvseStatus, native_enum=False, length=20)
    )
    status: Mapped[EvseStatus] = mapped_column(
        Enum(EvseStatus, native_enum=False, length=20), nullable=False
    )
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    """The operator's ``last_updated`` of the update that made the change."""
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now, nullable=False)


class Tariff(IdMixin, TimestampMixin, Base):
    """An OCPI Tariff in CNY; prices are integer fen (per kWh, per session, per hour)."""

    __tablename__ = "charging_tariffs"
    __table_args__ = (
        UniqueConstraint("country_code", "party_id", "ocpi_id"),
        CheckConstraint("min_price_fen IS NULL OR min_price_fen >= 0", name="min_price_ok"),
        CheckConstraint("max_price_fen IS NULL OR max_price_fen >= 0", name="max_price_ok"),
    )

    country_code: Mapped[str] = mapped_column(String(2), nullable=False)
    party_id: Mapped[str] = mapped_column(String(3), nullable=False)
    ocpi_id: Mapped[str] = mapped_column(String(36), nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    tariff_type: Mapped[str | None] = mapped_column(String(20))
    min_price_fen: Mapped[int | None] = mapped_column(Money)
    max_price_fen: Mapped[int | None] = mapped_column(Money)
    elements: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, nullable=False)
    """OCPI TariffElements with each price as ``price_fen`` (and ``vat`` as a decimal string)."""
    details: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict, nullable=False)
    """tariff_alt_text, tariff_alt_url, min_price/max_price incl. VAT, energy_mix, as sent."""
    start_date_time: Mapped[datetime | None] = mapped_column(UTCDateTime())
    end_date_time: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_updated: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class ChargingFailure(IdMixin, TimestampMixin, Base):
    """An owner could not charge here: the report that starts a free tow (D5)."""

    __tablename__ = "charging_failures"
    __table_args__ = (
        Index("ix_charging_failures_vehicle_reported", "vehicle_id", "reported_at"),
        CheckConstraint("lat >= -90 AND lat <= 90", name="lat_in_range"),
        CheckConstraint("lng >= -180 AND lng <= 180", name="lng_in_range"),
    )

    vehicle_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("vehicles.id", ondelete="CASCADE"), nullable=False
    )
    location_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("charging_locations.id", ondelete="RESTRICT"), index=True, nullable=False
    )
    evse_pk: Mapped[uuid.UUID | None] = mapped_column(
        Uuid(), ForeignKey("charging_evses.id", ondelete="SET NULL")
    )
    reason: Mapped[FailureReason] = mapped_column(
        Enum(FailureReason, native_enum=False, length=20), nullable=False
    )
    note: Mapped[str | None] = mapped_column(Text)
    lat: Mapped[float] = mapped_column(Float, nullable=False)
    lng: Mapped[float] = mapped_column(Float, nullable=False)
    """Where the car is: the owner's position if sent, else the charging location's."""
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    reporter_user_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid(), ForeignKey("users.id", ondelete="SET NULL")
    )
