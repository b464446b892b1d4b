"""Demo claims: a simulated month of claims across the world (so the desk, its numbers and the
shops' repair orders are not empty), and one claim of the demo owner waiting on the adjuster
desk. The demo owner's next small claim still qualifies for the fast track (one earlier claim)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from carecover.claims import demo
from carecover.claims.models import (
    Claim,
    ClaimEstimate,
    ClaimEvent,
    ClaimPhoto,
    Payout,
    PhotoHashBand,
    RepairMilestone,
    RepairOrder,
)
from carecover.claims.service import assessment, fnol, payouts
from carecover.customers.models import Customer
from carecover.platform.auth.models import User
from carecover.platform.auth.roles import Role
from carecover.platform.context import Actor
from carecover.platform.geo.cities import city_by_adcode
from carecover.vehicles.models import Vehicle

SIMULATED = 40
CLAIM_TABLES = (
    PhotoHashBand,
    ClaimPhoto,
    ClaimEvent,
    ClaimEstimate,
    Payout,
    RepairMilestone,
    RepairOrder,
    Claim,
)
"""Children first."""


def clear_demo_claims(session: Session) -> None:
    for model in CLAIM_TABLES:
        session.execute(delete(model))


def _owner_claim(
    session: Session, user: User, n: int, items: list[dict[str, str]], now: datetime
) -> Claim | None:
    customer = session.scalars(select(Customer).where(Customer.user_id == user.id)).first()
    car = (
        session.scalars(select(Vehicle).where(Vehicle.owner_id == customer.id)).first()
        if customer
        else None
    )
    if customer is None or car is None:
        return None
    city = city_by_adcode(customer.city_adcode) if customer.city_adcode else None
    actor = Actor(user.id, Role.owner, None, "seed", None)
    data = fnol.FnolInput(
        vehicle_id=car.id,
        occurred_at=now - timedelta(hours=2 + n),
        description=["停车场倒车时剐蹭后保险杠", "路口追尾，前部受损"][n % 2],
        idempotency_key=f"demo-owner-{n:04d}",
        lat=city.point.lat if city else None,
        lng=city.point.lng if city else None,
        place=["小区地下停车场", "路口"][n % 2],
    )
    if fnol.policy_in_force(session, car.id, data.occurred_at) is None:
        return None
    claim, _ = fnol.report(
        session, actor, data, [demo.demo_photo(900_000 + n)], max_photo_bytes=15 << 20
    )
    assessment.assess(session, actor, claim, items)
    for payout in session.scalars(select(Payout).where(Payout.claim_id == claim.id)):
        payouts.send(session, payout.id)
    return claim


def seed_demo_claims(session: Session, now: datetime, *, simulated: int = SIMULATED) -> int:
    """Claims for the demo world (once); returns how many were made."""
    if session.scalar(select(func.count()).select_from(Claim)):
        return 0
    made = demo.simulate(
        session,
        claims=simulated,
        seed=7,
        now=now,
        model=demo.HandlingModel(waiting_share=0.35),
    ).claims
    owner = session.scalars(select(User).where(User.username == "owner")).first()
    if owner is not None:
        large = [
            {"part": "front_bumper", "damage": "crack", "severity": "severe"},
            {"part": "hood", "damage": "dent", "severity": "severe"},
            {"part": "left_headlamp", "damage": "lamp_broken", "severity": "severe"},
        ]
        made += _owner_claim(session, owner, 1, large, now) is not None
    session.flush()
    return made
