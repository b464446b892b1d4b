"""A simulated month of claims, run through the real services (demo world and benchmark).

Every claim is reported with a photo, assessed with the guided picker, decided by the fast track
or by an adjuster, paid, and — when approved for repair — routed to the nearest qualified shop
that posts its milestones. The automated steps run as they would in production. The human steps
(an owner taking a few minutes to assess, an adjuster picking the claim up, a shop repairing)
take no time here, so afterwards each claim's timestamps are laid out on a simulated clock whose
delays come from ``HandlingModel`` — assumptions, stated as such, not measurements.
"""

from __future__ import annotations

import io
import random
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from PIL import Image, ImageDraw
from sqlalchemy import select
from sqlalchemy.orm import Session

from carecover.claims.enums import (
    ClaimStatus,
    DecisionKind,
    EventKind,
    Milestone,
    RepairStatus,
    Settlement,
)
from carecover.claims.models import Claim, ClaimEvent, Payout, RepairMilestone, RepairOrder
from carecover.claims.service import assessment, desk, fnol, payouts, repair
from carecover.customers.models import Customer
from carecover.partners.models import Partner
from carecover.platform.auth.models import User
from carecover.platform.auth.roles import Role
from carecover.platform.clock import ensure_utc
from carecover.platform.context import Actor
from carecover.platform.geo.cities import city_by_adcode
from carecover.policies.enums import Coverage, PolicyKind, PolicyStatus
from carecover.policies.models import Policy, PolicyCoverage

SMALL_DAMAGE = (
    ("rear_bumper", "scratch"),
    ("front_bumper", "scratch"),
    ("left_front_door", "dent"),
    ("right_rear_door", "scratch"),
    ("left_mirror", "crack"),
    ("right_taillamp", "lamp_broken"),
)
LARGE_DAMAGE = (
    (
        ("front_bumper", "crack", "severe"),
        ("hood", "dent", "moderate"),
        ("left_headlamp", "lamp_broken", "severe"),
    ),
    (("rear_bumper", "crack", "severe"), ("trunk_lid", "dent", "severe")),
    (("windshield", "glass_shatter", "severe"), ("roof", "dent", "moderate")),
)


@dataclass(frozen=True, slots=True)
class HandlingModel:
    """Delays of the human steps, in minutes (assumptions for the simulation)."""

    owner_assess_median: float = 20.0
    desk_pickup_mean: float = 240.0
    desk_handling_mean: float = 25.0
    shop_choice_mean: float = 90.0
    shop_accept_mean: float = 60.0
    payout_settle_seconds: float = 30.0
    repair_day_factor: tuple[float, float] = (0.8, 1.4)
    large_share: float = 0.3
    reject_share: float = 0.08
    waiting_share: float = 0.0
    """Referred claims left undecided on the desk (the demo world wants a queue)."""
    repair_share: float = 0.6


@dataclass
class SimulationResult:
    claims: int = 0
    fast_tracked: int = 0
    referred: int = 0
    repaired: int = 0
    claim_ids: list[uuid.UUID] = field(default_factory=list)
    decision_ms: list[float] = field(default_factory=list)
    """Wall time of each fast-track decision (``fast_track.decide`` inside ``assess``)."""


def demo_photo(seed: int, size: tuple[int, int] = (1024, 768)) -> bytes:
    """A sharp synthetic scene, distinct per seed (no real car photos ship with the product)."""
    rng = random.Random(seed)
    image = Image.new("RGB", size, (rng.randrange(90, 160),) * 3)
    draw = ImageDraw.Draw(image)
    for _ in range(50):
        x, y = rng.randrange(size[0]), rng.randrange(size[1])
        colour = tuple(rng.randrange(256) for _ in range(3))
        draw.rectangle(
            (x, y, x + rng.randrange(20, 260), y + rng.randrange(20, 180)),
            fill=colour,
            outline=(0, 0, 0),
            width=3,
        )
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=88)
    return out.getvalue()


def insured_cars(session: Session, limit: int, seed: int) -> list[tuple[Policy, Customer]]:
    """Active commercial policies with own-damage cover, and their cars' owners."""
    rows = session.execute(
        select(Policy, Customer)
        .join(PolicyCoverage, PolicyCoverage.policy_id == Policy.id)
        .join(Customer, Customer.id == Policy.holder_id)
        .where(
            Policy.kind == PolicyKind.commercial,
            Policy.status == PolicyStatus.active,
            PolicyCoverage.coverage == Coverage.vehicle_damage,
            Customer.user_id.is_(None),  # people who sign in keep a clean claims history
        )
        .order_by(Policy.policy_no)
        .limit(limit * 4)
    ).all()
    picked = [(p, c) for p, c in rows]
    random.Random(seed).shuffle(picked)
    return picked[:limit]


def _staff(session: Session, role: Role) -> Actor:
    user = session.scalars(select(User).where(User.role == role, User.is_active.is_(True))).first()
    if user is None:
        raise LookupError(f"the simulation needs an active {role.value} account")
    return Actor(user.id, role, None, "simulation", None)


def _items(rng: random.Random, model: HandlingModel) -> list[dict[str, str]]:
    if rng.random() < model.large_share:
        return [{"part": p, "damage": d, "severity": s} for p, d, s in rng.choice(LARGE_DAMAGE)]
    part, damage = rng.choice(SMALL_DAMAGE)
    return [{"part": part, "damage": damage, "severity": rng.choice(("light", "moderate"))}]


def simulate(
    session: Session,
    *,
    claims: int,
    seed: int,
    now: datetime,
    model: HandlingModel | None = None,
    days: int = 30,
) -> SimulationResult:
    """Run ``claims`` claims through the services and lay them out over the last ``days``."""
    model = model or HandlingModel()
    rng = random.Random(f"{seed}:claims")
    phone, adjuster = _staff(session, Role.customer_ops), _staff(session, Role.adjuster)
    result = SimulationResult()
    for n, (policy, customer) in enumerate(insured_cars(session, claims, seed)):
        city = city_by_adcode(customer.city_adcode) if customer.city_adcode else None
        lat, lng = (city.point.lat, city.point.lng) if city else (31.2304, 121.4737)
        lat, lng = lat + rng.uniform(-0.05, 0.05), lng + rng.uniform(-0.05, 0.05)
        data = fnol.FnolInput(
            vehicle_id=policy.vehicle_id,
            occurred_at=now - timedelta(hours=1),
            description="模拟案件 simulated claim",
            idempotency_key=f"sim-{seed}-{n:06d}",
            lat=round(lat, 6),
            lng=round(lng, 6),
        )
        claim, created = fnol.report(
            session, phone, data, [demo_photo(seed * 100_000 + n)], max_photo_bytes=15 << 20
        )
        if not created:
            continue
        started = time.perf_counter()
        assessment.assess(session, phone, claim, _items(rng, model))
        result.decision_ms.append((time.perf_counter() - started) * 1000)
        result.claims += 1
        result.claim_ids.append(claim.id)
        if claim.status is ClaimStatus.fast_tracked:
            result.fast_tracked += 1
        else:
            result.referred += 1
            _handle(session, claim, adjuster, rng, model, result)
        for payout in session.scalars(select(Payout).where(Payout.claim_id == claim.id)):
            payouts.send(session, payout.id)
        _lay_out(session, claim, rng, model, now - timedelta(days=days), days)
    session.flush()
    return result


def _handle(
    session: Session,
    claim: Claim,
    adjuster: Actor,
    rng: random.Random,
    model: HandlingModel,
    result: SimulationResult,
) -> None:
    if rng.random() < model.waiting_share:
        return
    if rng.random() < model.reject_share:
        desk.decide(
            session,
            adjuster,
            claim,
            desk.Decision(DecisionKind.reject, reason="other", note="simulated"),
        )
        return
    to_shop = rng.random() < model.repair_share
    settlement = Settlement.repair if to_shop else Settlement.cash
    desk.decide(
        session, adjuster, claim, desk.Decision(DecisionKind.approve, settlement=settlement)
    )
    if not to_shop:
        return
    options = repair.shops_for(session, claim, limit=1)
    if not options:
        return
    order = repair.choose_shop(session, adjuster, claim, options[0].location.id)
    partner = session.get(Partner, order.partner_id)
    assert partner is not None
    shop = Actor(None, Role.partner_admin, partner.organisation_id, "simulation", None)
    repair.respond(session, shop, order.id, accept=True)
    for kind in (
        Milestone.received,
        Milestone.disassembly,
        Milestone.painting,
        Milestone.ready,
        Milestone.delivered,
    ):
        repair.post_milestone(session, shop, order.id, kind)
    result.repaired += 1


def _minutes(rng: random.Random, mean: float) -> timedelta:
    return timedelta(minutes=rng.expovariate(1 / mean))


def _lay_out(
    session: Session,
    claim: Claim,
    rng: random.Random,
    model: HandlingModel,
    start: datetime,
    days: int,
) -> None:
    """Move the claim's timestamps onto the simulated clock (steps keep their order)."""
    # reported inside the window (its last week left for repairs), never before the policy
    policy = session.get(Policy, claim.policy_id)
    earliest = start
    if policy is not None:
        earliest = max(start, ensure_utc(policy.starts_at) + timedelta(hours=6))
    latest = max(earliest, start + timedelta(days=days - 7))
    reported = earliest + (latest - earliest) * rng.random()
    assessed = reported + timedelta(minutes=rng.lognormvariate(0, 0.6) * model.owner_assess_median)
    decided = assessed + timedelta(milliseconds=200)
    if not claim.fast_track:
        decided = (
            assessed
            + _minutes(rng, model.desk_pickup_mean)
            + _minutes(rng, model.desk_handling_mean)
        )
    stamps: dict[EventKind, datetime] = {
        EventKind.reported: reported,
        EventKind.assessed: assessed,
        EventKind.fast_tracked: decided,
        EventKind.referred: assessed + timedelta(seconds=1),
        EventKind.decided: decided,
        EventKind.payout_instructed: decided,
    }
    old_assessed = claim.assessed_at or assessed
    occurred = reported - timedelta(hours=rng.uniform(0.2, 6))
    if policy is not None:
        occurred = max(occurred, ensure_utc(policy.starts_at))
    claim.reported_at, claim.occurred_at = reported, occurred
    claim.assessed_at = assessed
    claim.decided_at = decided if claim.decided_at else None
    if claim.sla_due_at is not None:
        claim.sla_due_at = assessed + (claim.sla_due_at - old_assessed)
    order = session.scalars(
        select(RepairOrder).where(
            RepairOrder.claim_id == claim.id, RepairOrder.status == RepairStatus.delivered
        )
    ).first()
    paid = decided + timedelta(seconds=model.payout_settle_seconds)
    if order is not None:
        offered = decided + _minutes(rng, model.shop_choice_mean)
        accepted = offered + _minutes(rng, model.shop_accept_mean)
        planned = (order.expected_ready_at or accepted) - (order.accepted_at or accepted)
        took = planned * rng.uniform(*model.repair_day_factor)
        order.offered_at, order.accepted_at = offered, accepted
        order.expected_ready_at = accepted + planned
        order.ready_at = order.delivered_at = accepted + took
        paid = order.delivered_at + timedelta(seconds=model.payout_settle_seconds)
        stamps |= {
            EventKind.shop_chosen: offered,
            EventKind.repair_accepted: accepted,
            EventKind.payout_instructed: order.delivered_at,
        }
        steps = session.scalars(
            select(RepairMilestone)
            .where(RepairMilestone.repair_order_id == order.id)
            .order_by(RepairMilestone.at)
        ).all()
        for i, m in enumerate(steps):
            m.at = accepted + took * (i + 1) / len(steps)
    if claim.paid_at is not None:
        claim.paid_at = paid
        stamps[EventKind.paid] = paid
    for event in session.scalars(select(ClaimEvent).where(ClaimEvent.claim_id == claim.id)):
        if event.kind in stamps:
            event.at = stamps[event.kind]
        elif event.kind is EventKind.milestone and order is not None:
            milestone = Milestone(event.data.get("milestone", "received"))
            share = (list(Milestone).index(milestone) + 1) / len(Milestone)
            event.at = accepted + took * share
    for payout in session.scalars(select(Payout).where(Payout.claim_id == claim.id)):
        payout.instructed_at = stamps[EventKind.payout_instructed]
        if payout.paid_at is not None:
            payout.paid_at = paid
