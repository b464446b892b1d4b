"""Events benefits publishes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from carecover.platform.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class PackageGranted(DomainEvent):
    """A vehicle received a benefit package."""

    event_type = "benefits.package_granted"
    vehicle_id: uuid.UUID
    grant_id: uuid.UUID
    package_code: str


@dataclass(frozen=True, kw_only=True)
class EntitlementUsed(DomainEvent):
    """A service was used, free under a package or paid at ``price_fen``."""

    event_type = "benefits.entitlement_used"
    vehicle_id: uuid.UUID
    service: str
    reference: str
    price_fen: int


@dataclass(frozen=True, kw_only=True)
class EntitlementReturned(DomainEvent):
    """A use was given back (its order or booking was cancelled in time); ``unit_returned`` says
    whether a quota unit went back to its counter (False for paid or unlimited uses)."""

    event_type = "benefits.entitlement_returned"
    vehicle_id: uuid.UUID
    service: str
    reference: str
    price_fen: int
    unit_returned: bool
