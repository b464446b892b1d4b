"""Claims and their photos."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from carecover.claims.enums import ClaimSource, ClaimStatus
from carecover.platform.db import Base, IdMixin, JSONType, TimestampMixin, UTCDateTime


class Claim(IdMixin, TimestampMixin, Base):
    """One reported loss on one policy and car (first notice of loss onwards)."""

    __tablename__ = "claims"
    __table_args__ = (UniqueConstraint("reported_by", "idempotency_key"),)

    claim_no: Mapped[str] = mapped_column(String(20), unique=True, nullable=False)
    policy_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("policies.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    vehicle_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("vehicles.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    customer_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("customers.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    reported_by: Mapped[uuid.UUID] = mapped_column(Uuid(), nullable=False)
    idempotency_key: Mapped[str] = mapped_column(String(64), nullable=False)
    source: Mapped[ClaimSource] = mapped_column(
        Enum(ClaimSource, native_enum=False, length=20), nullable=False
    )
    status: Mapped[ClaimStatus] = mapped_column(
        Enum(ClaimStatus, native_enum=False, length=24), nullable=False, index=True
    )
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)
    city_adcode: Mapped[str | None] = mapped_column(String(6))
    place_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    """The place as the owner described it (encrypted)."""
    description_enc: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    """What happened, in the owner's words (encrypted: free text often holds personal data)."""
    other_parties: Mapped[int] = mapped_column(SmallInteger, default=0, nullable=False)
    police_report_no: Mapped[str | None] = mapped_column(String(40))
    flags: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list, nullable=False)
    """Risk and quality signals raised so far (code + parameters); data, never exceptions."""
    evidence_record_id: Mapped[uuid.UUID | None] = mapped_column(Uuid())


class ClaimPhoto(IdMixin, Base):
    """One photo of a claim: the cleaned JPEG (no EXIF), its hashes, quality and flags."""

    __tablename__ = "claim_photos"
    __table_args__ = (UniqueConstraint("claim_id", "seq"),)

    claim_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("claims.id", ondelete="CASCADE"), nullable=False, index=True
    )
    seq: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    original_sha256: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    phash: Mapped[str] = mapped_column(String(16), nullable=False)
    """64-bit perceptual hash (hex) for finding the same photo in other claims."""
    width: Mapped[int] = mapped_column(Integer, nullable=False)
    height: Mapped[int] = mapped_column(Integer, nullable=False)
    taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    quality: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict, nullable=False)
    flags: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list, nullable=False)
    content: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    evidence_record_id: Mapped[uuid.UUID | None] = mapped_column(Uuid())


class PhotoHashBand(Base):
    """One 8-bit band of a photo's perceptual hash. Two hashes within 7 bits of each other share
    at least one of their 8 bands exactly, so reuse candidates come from an index lookup."""

    __tablename__ = "claim_photo_bands"
    __table_args__ = (Index("ix_claim_photo_bands_band_value", "band", "value"),)

    photo_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("claim_photos.id", ondelete="CASCADE"), primary_key=True
    )
    band: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    value: Mapped[int] = mapped_column(SmallInteger, nullable=False)
