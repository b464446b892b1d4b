"""Events partners publishes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from carecover.platform.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class PartnerRegistered(DomainEvent):
    """A partner profile exists for a partner organisation (not yet admitted)."""

    event_type = "partners.registered"
    partner_id: uuid.UUID
    organisation_id: uuid.UUID
    partner_type: str
    city_adcode: str


@dataclass(frozen=True, kw_only=True)
class PartnerStatusChanged(DomainEvent):
    """A partner was admitted, suspended or reinstated (dispatch must follow it)."""

    event_type = "partners.status_changed"
    partner_id: uuid.UUID
    previous: str
    status: str


@dataclass(frozen=True, kw_only=True)
class QualificationAdded(DomainEvent):
    """A licence or authorisation was recorded for a partner."""

    event_type = "partners.qualification_added"
    partner_id: uuid.UUID
    qualification_id: uuid.UUID
    kind: str
    brand: str | None
    valid_until: date


@dataclass(frozen=True, kw_only=True)
class QualificationRevoked(DomainEvent):
    """A qualification was withdrawn before its end (routing by brand must stop using it)."""

    event_type = "partners.qualification_revoked"
    partner_id: uuid.UUID
    qualification_id: uuid.UUID
    kind: str
