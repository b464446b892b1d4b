"""The chart of accounts, journal entries and their lines.

Lines carry one signed amount in integer fen: a debit is positive, a credit negative, and the
lines of an entry sum to zero. Entries and lines are append-only (database triggers refuse
UPDATE and DELETE); a mistake is corrected by a reversing entry.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from carecover.accounting.enums import AccountKind, EntryKind, PartyType
from carecover.platform.db import Base, IdMixin, UTCDateTime


class Account(Base):
    """One account of the chart (科目), keyed by its code."""

    __tablename__ = "accounting_accounts"

    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    kind: Mapped[AccountKind] = mapped_column(
        Enum(AccountKind, native_enum=False, length=12), nullable=False
    )
    name_zh: Mapped[str] = mapped_column(String(60), nullable=False)
    name_en: Mapped[str] = mapped_column(String(80), nullable=False)


class JournalEntry(IdMixin, Base):
    """One balanced transaction. ``reference`` is its idempotency key (``claim-payout:<id>``)."""

    __tablename__ = "accounting_entries"
    __table_args__ = (Index("ix_accounting_entries_kind_posted_at", "kind", "posted_at"),)

    number: Mapped[str] = mapped_column(String(24), unique=True, nullable=False)
    kind: Mapped[EntryKind] = mapped_column(
        Enum(EntryKind, native_enum=False, length=24), nullable=False
    )
    reference: Mapped[str] = mapped_column(String(120), unique=True, nullable=False)
    memo: Mapped[str | None] = mapped_column(Text)
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, index=True)
    posted_by: Mapped[uuid.UUID | None] = mapped_column(Uuid())
    reversal_of: Mapped[uuid.UUID | None] = mapped_column(
        Uuid(), ForeignKey("accounting_entries.id", ondelete="RESTRICT"), unique=True
    )

    lines: Mapped[list[JournalLine]] = relationship(
        back_populates="entry", order_by="JournalLine.line_no", lazy="selectin"
    )


class JournalLine(IdMixin, Base):
    """One leg of an entry: a debit (positive fen) or a credit (negative fen) on one account."""

    __tablename__ = "accounting_lines"
    __table_args__ = (
        UniqueConstraint("entry_id", "line_no"),
        CheckConstraint("amount_fen <> 0", name="amount_not_zero"),
        Index("ix_accounting_lines_account_code", "account_code"),
        Index("ix_accounting_lines_party", "party_type", "party_id"),
    )

    entry_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("accounting_entries.id", ondelete="RESTRICT"), nullable=False
    )
    line_no: Mapped[int] = mapped_column(Integer, nullable=False)
    account_code: Mapped[str] = mapped_column(
        String(8), ForeignKey("accounting_accounts.code", ondelete="RESTRICT"), nullable=False
    )
    amount_fen: Mapped[int] = mapped_column(BigInteger, nullable=False)
    party_type: Mapped[PartyType | None] = mapped_column(
        Enum(PartyType, native_enum=False, length=12)
    )
    party_id: Mapped[uuid.UUID | None] = mapped_column(Uuid())
    service_line: Mapped[str | None] = mapped_column(String(30))
    city_adcode: Mapped[str | None] = mapped_column(String(6))

    entry: Mapped[JournalEntry] = relationship(back_populates="lines")
