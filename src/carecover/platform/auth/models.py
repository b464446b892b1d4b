"""Users, organisations, web sessions and sign-in throttling state."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, Enum, ForeignKey, Integer, LargeBinary, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from carecover.platform.auth.roles import Role
from carecover.platform.db import Base, IdMixin, TimestampMixin, UTCDateTime


class OrganisationKind(StrEnum):
    """Whose organisation it is."""

    insurer = "insurer"
    partner = "partner"


class Organisation(IdMixin, TimestampMixin, Base):
    """A tenant: the insurer itself or one partner business (服务商). Partner details live in
    the partners domain, keyed by this id."""

    __tablename__ = "organisations"

    name: Mapped[str] = mapped_column(String(200), nullable=False)
    kind: Mapped[OrganisationKind] = mapped_column(
        Enum(OrganisationKind, native_enum=False, length=20), nullable=False
    )
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)


class User(IdMixin, TimestampMixin, Base):
    """A person who signs in. Display name and phone are encrypted; phone has a blind index."""

    __tablename__ = "users"

    username: Mapped[str] = mapped_column(String(120), unique=True, nullable=False)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=30), nullable=False)
    organisation_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid(), ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    display_name_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    phone_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    phone_bidx: Mapped[str | None] = mapped_column(String(64), unique=True)
    language: Mapped[str] = mapped_column(String(10), default="zh-CN", nullable=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class WebSession(IdMixin, Base):
    """A server-side browser session; the cookie holds a random token, the table its hash."""

    __tablename__ = "web_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("users.id", ondelete="CASCADE"), index=True, nullable=False
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, index=True)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class LoginThrottle(Base):
    """Failed sign-ins per key (a hashed username or a source address) within a window."""

    __tablename__ = "login_throttles"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    window_started_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
