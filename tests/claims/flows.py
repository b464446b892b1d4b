"""Shared steps for claim tests: report a loss, assess it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from carecover.claims import service
from carecover.claims.models import Claim
from carecover.claims.service import assessment
from carecover.platform.clock import utc_now
from tests.factories.claims import Insured, photo_bytes

LIMIT = 15 * 1024 * 1024
SMALL = [{"part": "rear_bumper", "damage": "scratch", "severity": "light"}]
"""About 1,200 CNY on a mid-size car in a tier-1 city: a fast-track claim."""
LARGE = [
    {"part": "front_bumper", "damage": "crack", "severity": "severe"},
    {"part": "hood", "damage": "dent", "severity": "severe"},
    {"part": "left_headlamp", "damage": "lamp_broken", "severity": "severe"},
]


def report(
    session: Session, insured: Insured, key: str = "flow-0000001", seed: int = 1, **kw: object
) -> Claim:
    data = service.FnolInput(
        vehicle_id=insured.car.id,
        occurred_at=utc_now() - timedelta(hours=3),
        description="停车时被剐蹭",
        idempotency_key=key,
        lat=kw.pop("lat", 31.2304),  # type: ignore[arg-type]
        lng=kw.pop("lng", 121.4737),  # type: ignore[arg-type]
        **kw,  # type: ignore[arg-type]
    )
    claim, _ = service.report(
        session, insured.actor, data, [photo_bytes(seed)], max_photo_bytes=LIMIT
    )
    return claim


def reported_and_assessed(
    session: Session, insured: Insured, items: list[dict[str, str]], **kw: object
) -> Claim:
    claim = report(session, insured, **kw)  # type: ignore[arg-type]
    assessment.assess(session, insured.actor, claim, items)
    return claim
