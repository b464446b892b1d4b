"""The audit table. Code offers no update or delete; database triggers refuse them too."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from carecover.platform.clock import utc_now
from carecover.platform.db import Base, JSONType, UTCDateTime


class AuditEntry(Base):
    """One state change. ``details`` never holds personal data in clear."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"),
        primary_key=True,
        autoincrement=True,
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now, nullable=False, index=True)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(Uuid(), index=True)
    actor_role: Mapped[str | None] = mapped_column(String(30))
    action: Mapped[str] = mapped_column(String(80), nullable=False, index=True)
    object_type: Mapped[str] = mapped_column(String(60), nullable=False)
    object_id: Mapped[str | None] = mapped_column(String(64))
    request_id: Mapped[str | None] = mapped_column(String(64))
    source_ip: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict, nullable=False)


APPEND_ONLY_TABLES = ("audit_log",)
"""Tables guarded by refuse-update/delete triggers (the migration installs them)."""
