"""Request and response shapes for accounts."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from carecover.platform.auth.models import OrganisationKind
from carecover.platform.auth.roles import Role

Username = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        to_lower=True,
        min_length=3,
        max_length=120,
        pattern=r"^[A-Za-z0-9._@-]+$",
    ),
]
Language = Literal["zh-CN", "en"]


class Strict(BaseModel):
    """Input models refuse unknown fields."""

    model_config = ConfigDict(extra="forbid")


class TokenResponse(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the OAuth2 token type name
    expires_in: int
    expires_at: datetime


class UserCreate(Strict):
    username: Username
    password: Annotated[str, Field(min_length=1, max_length=256)]
    role: Role
    organisation_id: uuid.UUID | None = None
    display_name: Annotated[
        str | None, StringConstraints(strip_whitespace=True, max_length=100)
    ] = None
    phone: Annotated[str | None, StringConstraints(strip_whitespace=True, max_length=20)] = None
    language: Language = "zh-CN"


class UserRead(BaseModel):
    """A user as staff see it: personal fields masked."""

    id: uuid.UUID
    username: str
    role: Role
    organisation_id: uuid.UUID | None
    display_name_masked: str | None
    phone_masked: str | None
    language: str
    is_active: bool
    created_at: datetime
    last_login_at: datetime | None


class TeamMemberCreate(Strict):
    """What a partner admin gives to add a colleague (always the partner_staff role)."""

    username: Username
    password: Annotated[str, Field(min_length=1, max_length=256)]
    display_name: Annotated[
        str | None, StringConstraints(strip_whitespace=True, max_length=100)
    ] = None
    phone: Annotated[str | None, StringConstraints(strip_whitespace=True, max_length=20)] = None
    language: Language = "zh-CN"


class MeRead(BaseModel):
    """The signed-in user's own view: their own data in full."""

    id: uuid.UUID
    username: str
    role: Role
    organisation_id: uuid.UUID | None
    display_name: str | None
    phone: str | None
    language: str
    face: str
    permissions: list[str]


class MeUpdate(Strict):
    language: Language


class OrganisationCreate(Strict):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=200)]
    kind: OrganisationKind = OrganisationKind.partner


class OrganisationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    kind: OrganisationKind
    is_active: bool
    created_at: datetime


class NotificationRead(BaseModel):
    id: uuid.UUID
    message: str
    created_at: datetime
    read: bool
