"""Tables owned by accounts (users and organisations themselves live in platform.auth)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from carecover.platform.clock import utc_now
from carecover.platform.db import Base, IdMixin, JSONType, UTCDateTime


class Notification(IdMixin, Base):
    """An in-app message to one user; text comes from the i18n catalogue at display time."""

    __tablename__ = "notifications"

    user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("users.id", ondelete="CASCADE"), index=True, nullable=False
    )
    message_key: Mapped[str] = mapped_column(String(120), nullable=False)
    params: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now, nullable=False)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
