"""A small rescue world in Shanghai for the order tests: one rescue partner with a depot at
Xuhui, four units around it with rate cards, an owner with a fuel car and an electric car."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from carecover.benefits import service as benefits
from carecover.benefits.enums import ServiceType
from carecover.orders.enums import UnitKind
from carecover.orders.models import ProviderUnit, RateCard
from carecover.orders.service import units
from carecover.partners.enums import PartnerType
from carecover.partners.models import Partner
from carecover.platform.auth.models import User
from carecover.platform.auth.roles import Role
from carecover.platform.context import Actor
from carecover.vehicles.enums import Powertrain
from carecover.vehicles.models import Vehicle
from tests.factories.accounts import make_organisation, make_user
from tests.factories.customers import make_customer, make_vehicle
from tests.factories.partners import make_partner

XUHUI = (31.188, 121.437)
CAR = (31.200, 121.440)
"""Where the cars break down: about 1.4 km north of the depot."""


@dataclass
class World:
    partner: Partner
    partner_user: User
    partner_actor: Actor
    owner: User
    owner_actor: Actor
    car: Vehicle
    ev: Vehicle
    units: dict[str, ProviderUnit]
    dispatcher: Actor
    dispatcher_user: User


def actor_of(user: User) -> Actor:
    return Actor(user_id=user.id, role=user.role, organisation_id=user.organisation_id)


def make_units(
    session: Session,
    partner: Partner,
    now: datetime,
    spec: dict[str, tuple[UnitKind, tuple[float, float]]],
) -> dict[str, ProviderUnit]:
    made = {}
    for name, (kind, point) in spec.items():
        made[name] = units.register(
            session,
            Actor.system(),
            partner_id=partner.id,
            kind=kind,
            call_sign=f"{name}-{uuid.uuid4().hex[:6]}",
            driver_name="张师傅",
            driver_phone="13812345678",
            city_adcode="310100",
            lat=point[0],
            lng=point[1],
            now=now,
        )
    return made


def rate_cards(session: Session, partner: Partner) -> None:
    for service, base, per_km in (
        (ServiceType.tow, 20_000, 800),
        (ServiceType.jump_start, 9_000, 0),
        (ServiceType.tyre_change, 9_000, 0),
        (ServiceType.lockout, 12_000, 0),
        (ServiceType.emergency_charging, 18_000, 500),
    ):
        session.add(
            RateCard(
                partner_id=partner.id,
                service=service,
                base_fen=base,
                per_km_fen=per_km,
                included_km=5,
            )
        )
    session.flush()


def build(session: Session, now: datetime) -> World:
    org = make_organisation(session)
    partner = make_partner(
        session, partner_type=PartnerType.rescue, organisation=org, location=XUHUI
    )
    partner_user = make_user(session, role=Role.partner_admin, organisation=org)
    rate_cards(session, partner)
    fleet = make_units(
        session,
        partner,
        now,
        {
            "lift": (UnitKind.wheel_lift, (31.195, 121.438)),
            "flatbed": (UnitKind.flatbed, (31.170, 121.430)),
            "van": (UnitKind.service_van, (31.205, 121.445)),
            "charger": (UnitKind.mobile_charger, (31.188, 121.437)),
        },
    )
    owner = make_user(session, role=Role.owner)
    customer = make_customer(session, user=owner)
    car = make_vehicle(session, owner=customer)
    ev = make_vehicle(session, owner=customer, powertrain=Powertrain.bev)
    benefits.grant_package(
        session, Actor.system(), vehicle_id=car.id, package_code="FUEL_CARE_2026", starts_at=now
    )
    benefits.grant_package(
        session, Actor.system(), vehicle_id=ev.id, package_code="NEV_CARE_2026", starts_at=now
    )
    dispatcher = make_user(session, role=Role.dispatcher)
    return World(
        partner=partner,
        partner_user=partner_user,
        partner_actor=actor_of(partner_user),
        owner=owner,
        owner_actor=actor_of(owner),
        car=car,
        ev=ev,
        units=fleet,
        dispatcher=actor_of(dispatcher),
        dispatcher_user=dispatcher,
    )
