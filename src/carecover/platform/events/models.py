"""Outbox rows and handler receipts."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Enum, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from carecover.platform.clock import utc_now
from carecover.platform.db import Base, IdMixin, JSONType, UTCDateTime


class MessageStatus(StrEnum):
    """Where an outbox message is in its delivery."""

    pending = "pending"
    """Waiting for (another) delivery attempt."""
    dispatched = "dispatched"
    """Every handler ran and left its receipt."""
    dead = "dead"
    """Gave up after the maximum attempts; needs a person."""


class OutboxMessage(IdMixin, Base):
    """One published event, written in the same transaction as the change it reports."""

    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_due", "status", "available_at"),)

    event_type: Mapped[str] = mapped_column(String(120), nullable=False)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now, nullable=False)
    available_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now, nullable=False)
    status: Mapped[MessageStatus] = mapped_column(
        Enum(MessageStatus, native_enum=False, length=20),
        default=MessageStatus.pending,
        nullable=False,
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    last_error: Mapped[str | None] = mapped_column(Text)
    locked_by: Mapped[str | None] = mapped_column(String(80))
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    request_id: Mapped[str | None] = mapped_column(String(64))


class HandlerReceipt(Base):
    """Proof that one handler processed one message; makes redelivery harmless."""

    __tablename__ = "handler_receipts"

    handler: Mapped[str] = mapped_column(String(200), primary_key=True)
    message_id: Mapped[uuid.UUID] = mapped_column(Uuid(), primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now, nullable=False)
