"""Claims and their photos."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
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

from carecover.claims.enums import (
    ClaimSource,
    ClaimStatus,
    EstimateKind,
    EstimateStatus,
    EventKind,
    Milestone,
    PayoutStatus,
    RepairStatus,
    Settlement,
)
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
    ocr: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict, nullable=False)
    """What OCR read on the photos (plate, VIN) and whether it matched the insured car."""
    estimate_fen: Mapped[int | None] = mapped_column(BigInteger)
    """The current estimate's total."""
    approved_fen: Mapped[int | None] = mapped_column(BigInteger)
    """What was approved for payment (after the deductible)."""
    settlement: Mapped[Settlement | None] = mapped_column(
        Enum(Settlement, native_enum=False, length=10)
    )
    fast_track: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    """Decided automatically (no person touched it)."""
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list, nullable=False)
    """The reason codes of the latest decision (automated or human), shown to owner and staff."""
    assigned_to: Mapped[uuid.UUID | None] = mapped_column(Uuid(), index=True)
    sla_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    assessed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    review_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    disputed: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    """The owner asked for a human review or a shop's counter-quote differed from the estimate."""


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


class ClaimEstimate(IdMixin, Base):
    """One estimate of a claim: the guided assessment's, a shop's counter-quote, or the agreed
    one. ``items`` are the picked damage; ``lines`` the priced, explained lines (JSON)."""

    __tablename__ = "claim_estimates"
    __table_args__ = (UniqueConstraint("claim_id", "seq"),)

    claim_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("claims.id", ondelete="CASCADE"), nullable=False, index=True
    )
    seq: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    kind: Mapped[EstimateKind] = mapped_column(
        Enum(EstimateKind, native_enum=False, length=12), nullable=False
    )
    status: Mapped[EstimateStatus] = mapped_column(
        Enum(EstimateStatus, native_enum=False, length=12), nullable=False
    )
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, nullable=False)
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, nullable=False)
    total_fen: Mapped[int] = mapped_column(BigInteger, nullable=False)
    city_tier: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    author_id: Mapped[uuid.UUID | None] = mapped_column(Uuid())
    author_role: Mapped[str | None] = mapped_column(String(20))
    partner_id: Mapped[uuid.UUID | None] = mapped_column(Uuid())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    evidence_record_id: Mapped[uuid.UUID | None] = mapped_column(Uuid())


class ClaimEvent(IdMixin, Base):
    """One step of a claim's life: the owner's timeline and the audit trail of every decision."""

    __tablename__ = "claim_events"
    __table_args__ = (Index("ix_claim_events_claim_at", "claim_id", "at"),)

    claim_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("claims.id", ondelete="CASCADE"), nullable=False
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    kind: Mapped[EventKind] = mapped_column(
        Enum(EventKind, native_enum=False, length=24), nullable=False
    )
    actor_id: Mapped[uuid.UUID | None] = mapped_column(Uuid())
    actor_role: Mapped[str | None] = mapped_column(String(20))
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict, nullable=False)
    internal: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    """Staff-only (notes, assignment); the owner's timeline leaves it out."""
    evidence_record_id: Mapped[uuid.UUID | None] = mapped_column(Uuid())


class Payout(IdMixin, Base):
    """The one payment instruction of a claim (to the owner, or to the repairing shop).
    Unique per claim and per idempotency key: however many requests race, one payout exists."""

    __tablename__ = "claim_payouts"

    claim_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("claims.id", ondelete="RESTRICT"), nullable=False, unique=True
    )
    idempotency_key: Mapped[str] = mapped_column(String(80), nullable=False, unique=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger, nullable=False)
    payee_customer_id: Mapped[uuid.UUID | None] = mapped_column(Uuid())
    payee_partner_id: Mapped[uuid.UUID | None] = mapped_column(Uuid())
    status: Mapped[PayoutStatus] = mapped_column(
        Enum(PayoutStatus, native_enum=False, length=12), nullable=False
    )
    provider_ref: Mapped[str | None] = mapped_column(String(64))
    instructed_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class RepairOrder(IdMixin, TimestampMixin, Base):
    """A claim's repair at one certified shop site."""

    __tablename__ = "repair_orders"

    order_no: Mapped[str] = mapped_column(String(20), unique=True, nullable=False)
    claim_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("claims.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    partner_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("partners.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    location_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("partner_locations.id", ondelete="RESTRICT"), nullable=False
    )
    status: Mapped[RepairStatus] = mapped_column(
        Enum(RepairStatus, native_enum=False, length=12), nullable=False, index=True
    )
    distance_km: Mapped[float | None] = mapped_column(Float)
    offered_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    expected_ready_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ready_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decline_reason: Mapped[str | None] = mapped_column(String(200))


class RepairMilestone(IdMixin, Base):
    """One milestone a shop posted, with an optional photo and the serials of parts fitted."""

    __tablename__ = "repair_milestones"
    __table_args__ = (UniqueConstraint("repair_order_id", "kind"),)

    repair_order_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("repair_orders.id", ondelete="CASCADE"), nullable=False, index=True
    )
    kind: Mapped[Milestone] = mapped_column(
        Enum(Milestone, native_enum=False, length=16), nullable=False
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    note: Mapped[str | None] = mapped_column(String(500))
    photo: Mapped[bytes | None] = mapped_column(LargeBinary)
    photo_sha256: Mapped[str | None] = mapped_column(String(64))
    parts: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list, nullable=False)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(Uuid())
    evidence_record_id: Mapped[uuid.UUID | None] = mapped_column(Uuid())
