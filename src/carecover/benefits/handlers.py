"""Reactions to other domains' events."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from carecover.benefits.models import Grant
from carecover.benefits.service import grant_package
from carecover.platform.context import Actor
from carecover.platform.events import subscribe
from carecover.policies.enums import PolicyKind
from carecover.policies.events import PolicyBound
from carecover.vehicles.enums import Usage
from carecover.vehicles.models import Vehicle


def default_package(vehicle: Vehicle) -> str:
    """The package a commercial policy brings (MISSION.md B3: fuel vs NEV; D9 ride-hailing)."""
    if vehicle.usage is Usage.ride_hailing:
        return "RIDE_HAILING_2026"
    return "NEV_CARE_2026" if vehicle.powertrain.is_nev else "FUEL_CARE_2026"


@subscribe(PolicyBound)
def grant_policy_package(session: Session, event: PolicyBound) -> None:
    """A bound commercial policy grants its vehicle the matching package, once per policy."""
    if event.kind != PolicyKind.commercial.value:
        return
    vehicle = session.get(Vehicle, event.vehicle_id)
    if vehicle is None:
        return
    already = session.scalars(select(Grant.id).where(Grant.policy_id == event.policy_id)).first()
    if already is None:
        grant_package(
            session,
            Actor.system(),
            vehicle_id=vehicle.id,
            package_code=default_package(vehicle),
            starts_at=event.starts_at,
            policy_id=event.policy_id,
        )
