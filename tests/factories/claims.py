"""Builders for claims: an insured car with an owner account, and real photo bytes."""

from __future__ import annotations

import io
import itertools
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from PIL import Image, ImageDraw
from sqlalchemy.orm import Session

from carecover.platform.auth.models import User
from carecover.platform.auth.roles import Role
from carecover.platform.clock import utc_now
from carecover.platform.context import Actor
from carecover.policies.enums import Coverage, PolicyKind, PolicyStatus
from carecover.policies.models import Policy, PolicyCoverage
from carecover.vehicles.models import Vehicle
from tests.factories.accounts import make_user
from tests.factories.customers import make_customer, make_vehicle

_serial = itertools.count(1)


@dataclass
class Insured:
    owner: User
    car: Vehicle
    policy: Policy

    @property
    def actor(self) -> Actor:
        return Actor(self.owner.id, Role.owner, None, None, None)


def make_policy(
    session: Session,
    car: Vehicle,
    *,
    starts_at: datetime | None = None,
    days: int = 365,
    status: PolicyStatus = PolicyStatus.active,
    kind: PolicyKind = PolicyKind.commercial,
    own_damage: bool = True,
    deductible_fen: int = 0,
) -> Policy:
    """A policy on ``car`` (started 120 days ago by default); a commercial one carries the
    vehicle-damage cover unless ``own_damage`` is false."""
    start = starts_at or utc_now() - timedelta(days=120)
    policy = Policy(
        policy_no=f"PCTEST{next(_serial):07d}",
        product_code="COMM_2020" if kind is PolicyKind.commercial else "CTPL_2020",
        kind=kind,
        vehicle_id=car.id,
        holder_id=car.owner_id,
        status=status,
        starts_at=start,
        ends_at=start + timedelta(days=days),
        premium_fen=350_000,
    )
    session.add(policy)
    session.flush()
    if own_damage and kind is PolicyKind.commercial:
        session.add(
            PolicyCoverage(
                policy_id=policy.id,
                coverage=Coverage.vehicle_damage,
                limit_fen=21_980_000,
                deductible_fen=deductible_fen,
                premium_fen=200_000,
                explanation=[],
            )
        )
        session.flush()
    return policy


def make_insured(session: Session, username: str | None = None) -> Insured:
    owner = make_user(session, role=Role.owner, username=username)
    car = make_vehicle(session, owner=make_customer(session, user=owner))
    return Insured(owner, car, make_policy(session, car))


def photo_bytes(seed: int = 1, *, size: tuple[int, int] = (1280, 960), fmt: str = "JPEG") -> bytes:
    """A sharp, well-exposed synthetic scene (shapes and text-like strokes), distinct per seed."""
    rng = random.Random(seed)
    image = Image.new("RGB", size, (rng.randrange(90, 160),) * 3)
    draw = ImageDraw.Draw(image)
    for _ in range(60):
        x, y = rng.randrange(size[0]), rng.randrange(size[1])
        w, h = rng.randrange(20, 300), rng.randrange(20, 200)
        colour = tuple(rng.randrange(256) for _ in range(3))
        draw.rectangle((x, y, x + w, y + h), fill=colour, outline=(0, 0, 0), width=3)
    for i in range(0, size[0], 16):
        draw.line((i, 0, i, 40), fill=(0, 0, 0) if i % 32 else (255, 255, 255), width=2)
    out = io.BytesIO()
    image.save(out, format=fmt, quality=92)
    return out.getvalue()
