"""Evidence-log tables.

``ledger_leaves``, ``ledger_nodes`` and ``ledger_checkpoints`` are the log: code only inserts into
them and database triggers refuse UPDATE and DELETE. ``ledger_pending`` is the queue of entries
waiting to be sequenced; ``evidence_records`` holds what each leaf commits to (content and salt,
which an erasure request may delete — the log keeps only the commitment).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from carecover.platform.clock import utc_now
from carecover.platform.db import Base, UTCDateTime
from carecover.platform.db.base import IdMixin

_BIGINT = BigInteger().with_variant(Integer(), "sqlite")


class LedgerState(Base):
    """The single row that sequencing locks: tree size, root and its right edge."""

    __tablename__ = "ledger_state"

    id: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    size: Mapped[int] = mapped_column(_BIGINT, nullable=False, default=0)
    root: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False)
    right_edge: Mapped[bytes] = mapped_column(LargeBinary, nullable=False, default=b"")
    """The compact range of the tree: one 32-byte hash per set bit of ``size``, concatenated."""
    lock_version: Mapped[int] = mapped_column(_BIGINT, nullable=False, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utc_now)


class EvidenceRecord(IdMixin, Base):
    """A provable record: what the log commits to, and (until erased) the content itself."""

    __tablename__ = "evidence_records"

    kind: Mapped[str] = mapped_column(String(40), nullable=False, index=True)
    subject_type: Mapped[str] = mapped_column(String(40), nullable=False)
    subject_id: Mapped[str] = mapped_column(String(100), nullable=False, index=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    prev_commitment: Mapped[str | None] = mapped_column(String(71))
    commitment: Mapped[str] = mapped_column(String(71), nullable=False)
    content: Mapped[bytes | None] = mapped_column(LargeBinary)
    """Canonical JSON (RFC 8785), encrypted when it is personal (``personal``)."""
    personal: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    salt: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    party_id: Mapped[uuid.UUID | None] = mapped_column(Uuid(), index=True)
    """The person the content is about, for erasure requests (PIPL Art. 47)."""
    org_id: Mapped[uuid.UUID | None] = mapped_column(Uuid())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utc_now)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class LedgerPending(Base):
    """An envelope waiting for its index (written in the business transaction).

    ``seq`` orders the queue first come, first served (UUIDv7 ids are not monotonic within one
    millisecond); the index itself is only assigned by the sequencer.
    """

    __tablename__ = "ledger_pending"

    seq: Mapped[int] = mapped_column(_BIGINT, primary_key=True, autoincrement=True)
    record_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("evidence_records.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    body: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utc_now)


class LedgerLeaf(Base):
    """One sequenced entry: its canonical envelope bytes and leaf hash."""

    __tablename__ = "ledger_leaves"

    idx: Mapped[int] = mapped_column(_BIGINT, primary_key=True, autoincrement=False)
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False)
    body: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    record_id: Mapped[uuid.UUID | None] = mapped_column(Uuid(), unique=True)
    integrated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


NODE_LEVEL_SHIFT = 56
"""A node's key packs (level, index) into one integer: ``level << 56 | index`` (levels ≤ 63,
indices < 2^56), so a proof's nodes come back from one indexed ``IN`` lookup."""


def node_key(level: int, index: int) -> int:
    return (level << NODE_LEVEL_SHIFT) | index


class LedgerNode(Base):
    """A perfect subtree hash (level ≥ 1); level 0 is the leaf hash in ``ledger_leaves``."""

    __tablename__ = "ledger_nodes"

    id: Mapped[int] = mapped_column(_BIGINT, primary_key=True, autoincrement=False)
    """:func:`node_key` of (level, index)."""
    hash: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False)


class LedgerCheckpoint(Base):
    """A signed tree head (C2SP checkpoint as a signed note), one per integrated size."""

    __tablename__ = "ledger_checkpoints"

    size: Mapped[int] = mapped_column(_BIGINT, primary_key=True, autoincrement=False)
    root: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utc_now)


class LedgerAuditRun(IdMixin, Base):
    """One self-audit: the root recomputed from every stored leaf, compared with checkpoints."""

    __tablename__ = "ledger_audit_runs"

    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, index=True)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    size: Mapped[int] = mapped_column(_BIGINT, nullable=False)
    checkpoints_checked: Mapped[int] = mapped_column(Integer, nullable=False)
    ok: Mapped[bool] = mapped_column(Boolean, nullable=False)
    problem_code: Mapped[str | None] = mapped_column(String(60))
    problem: Mapped[str | None] = mapped_column(Text)


APPEND_ONLY_TABLES = ("ledger_leaves", "ledger_nodes", "ledger_checkpoints")
"""Tables guarded by refuse-update/delete triggers (the migration installs them)."""
