"""Read models that join a customer's cars, policies and entitlements for the web faces."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from carecover.benefits import service as benefits_service
from carecover.benefits.service import Balance
from carecover.parts import service as parts_service
from carecover.parts.models import Part
from carecover.policies import service as policy_service
from carecover.policies.enums import PolicyStatus
from carecover.policies.models import Policy, PolicyCoverage
from carecover.vehicles import service as vehicle_service
from carecover.vehicles.models import Vehicle

SHOWN_STATUSES = (PolicyStatus.active, PolicyStatus.bound, PolicyStatus.expired)


@dataclass(frozen=True, slots=True)
class PolicyView:
    policy: Policy
    coverages: Sequence[PolicyCoverage]


@dataclass(frozen=True, slots=True)
class CarView:
    vehicle: Vehicle
    plate: str | None
    plate_masked: str | None
    odometer_km: int | None
    policies: list[PolicyView]
    balances: list[Balance]
    parts: list[Part]
    """Serialised parts fitted to the car, each linking to its proven history."""


def cars_of(session: Session, customer_id: uuid.UUID) -> list[CarView]:
    """Each car of a customer with its recent policies and what is left of its benefits."""
    cars = session.scalars(
        select(Vehicle).where(Vehicle.owner_id == customer_id).order_by(Vehicle.created_at)
    ).all()
    views = []
    for car in cars:
        policies = session.scalars(
            select(Policy)
            .where(Policy.vehicle_id == car.id, Policy.status.in_(SHOWN_STATUSES))
            .order_by(Policy.kind, Policy.starts_at.desc())
        ).all()
        latest = vehicle_service.latest_reading(session, car.id)
        read = vehicle_service.to_read(car)
        views.append(
            CarView(
                vehicle=car,
                plate=vehicle_service.plate_of(car),
                plate_masked=read.plate_masked,
                odometer_km=latest.km if latest else None,
                policies=[PolicyView(p, policy_service.coverages(session, p.id)) for p in policies],
                balances=benefits_service.balances(session, car.id),
                parts=parts_service.parts_in_vehicle(session, car.id),
            )
        )
    return views
