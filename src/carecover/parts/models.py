"""Serialised parts, their EPCIS custody events and the scans of their labels."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from carecover.platform.clock import utc_now
from carecover.platform.db import Base, IdMixin, JSONType, TimestampMixin, UTCDateTime


class Part(IdMixin, TimestampMixin, Base):
    """One serialised part (GS1 SGTIN = GTIN + serial) and where its custody stands now."""

    __tablename__ = "parts"
    __table_args__ = (UniqueConstraint("gtin", "serial"),)

    gtin: Mapped[str] = mapped_column(String(14), nullable=False)
    serial: Mapped[str] = mapped_column(String(20), nullable=False)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    part_number: Mapped[str | None] = mapped_column(String(40))
    lot: Mapped[str | None] = mapped_column(String(20))
    supplier_org_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("organisations.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    tag: Mapped[str] = mapped_column(String(16), nullable=False)
    """Short MAC printed in the Digital Link: proves the code was issued here (not the part)."""
    state: Mapped[str] = mapped_column(String(20), nullable=False)
    location: Mapped[str | None] = mapped_column(String(120))
    destination: Mapped[str | None] = mapped_column(String(120))
    holder_org_id: Mapped[uuid.UUID | None] = mapped_column(Uuid(), index=True)
    """The organisation that has the part now (supplier, shop); none once installed or gone."""
    vehicle_key: Mapped[str | None] = mapped_column(String(64), index=True)
    """Keyed hash of the VIN it is installed in (never the VIN itself)."""
    vehicle_id: Mapped[uuid.UUID | None] = mapped_column(Uuid(), index=True)
    last_event_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class PartEvent(IdMixin, Base):
    """One EPCIS event as it touched one part, anchored on the evidence log."""

    __tablename__ = "part_events"
    __table_args__ = (
        UniqueConstraint("part_id", "event_hash"),
        Index("ix_part_events_part_id_event_time", "part_id", "event_time"),
    )

    part_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("parts.id", ondelete="CASCADE"), nullable=False
    )
    biz_step: Mapped[str] = mapped_column(String(40), nullable=False)
    event_hash: Mapped[str] = mapped_column(String(120), nullable=False, index=True)
    """The CBV 2.0 event hash ID (``ni:///sha-256;…``): the same event submitted twice is one."""
    event_time: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    record_time: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utc_now)
    org_id: Mapped[uuid.UUID] = mapped_column(Uuid(), nullable=False)
    location: Mapped[str | None] = mapped_column(String(120))
    document: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    evidence_record_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("evidence_records.id", ondelete="RESTRICT"), nullable=False
    )


class PartScan(IdMixin, Base):
    """A label scan (pseudonymous: device and network are keyed hashes; location is coarse)."""

    __tablename__ = "part_scans"
    __table_args__ = (Index("ix_part_scans_part_id_at", "part_id", "at"),)

    part_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("parts.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utc_now)
    device: Mapped[str] = mapped_column(String(32), nullable=False)
    city: Mapped[str | None] = mapped_column(String(40))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    vehicle_key: Mapped[str | None] = mapped_column(String(64))
    level: Mapped[str] = mapped_column(String(12), nullable=False)
    score: Mapped[int] = mapped_column(Integer, nullable=False)
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, nullable=False, default=list)
