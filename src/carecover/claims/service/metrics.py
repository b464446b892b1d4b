"""The staff dashboard's claim numbers: fast-track rate, touchless rate, cycle time per stage,
dispute rate, over the claims reported in a window."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from carecover.claims.enums import EventKind, RepairStatus
from carecover.claims.models import Claim, ClaimEvent, RepairOrder
from carecover.claims.service.desk import waiting
from carecover.platform.clock import ensure_utc, utc_now

STAGES = (
    "report_to_assess",
    "assess_to_decide",
    "decide_to_pay",
    "repair_offer_to_delivery",
    "report_to_pay",
)
HUMAN_KINDS = (EventKind.decided, EventKind.assigned, EventKind.note, EventKind.review_requested)


@dataclass(frozen=True, slots=True)
class StageTime:
    stage: str
    count: int
    p50_hours: float | None
    p90_hours: float | None


@dataclass(frozen=True, slots=True)
class ClaimMetrics:
    since: datetime
    reported: int
    decided: int
    fast_tracked: int
    touchless: int
    paid: int
    disputed: int
    in_desk: int
    sla_breached: int
    stages: tuple[StageTime, ...]

    @property
    def fast_track_rate(self) -> float | None:
        return self.fast_tracked / self.decided if self.decided else None

    @property
    def touchless_rate(self) -> float | None:
        """Paid claims no person touched, of all paid claims."""
        return self.touchless / self.paid if self.paid else None

    @property
    def dispute_rate(self) -> float | None:
        return self.disputed / self.decided if self.decided else None


def _quantile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return round(ordered[index], 2)


def _hours(a: datetime | None, b: datetime | None) -> float | None:
    if a is None or b is None:
        return None
    return (ensure_utc(b) - ensure_utc(a)).total_seconds() / 3600


def stage_times(pairs: dict[str, list[float]]) -> tuple[StageTime, ...]:
    return tuple(
        StageTime(s, len(pairs[s]), _quantile(pairs[s], 0.5), _quantile(pairs[s], 0.9))
        for s in STAGES
    )


def compute(session: Session, *, days: int = 30, now: datetime | None = None) -> ClaimMetrics:
    now = now or utc_now()
    since = now - timedelta(days=days)
    claims = session.scalars(select(Claim).where(Claim.reported_at >= since)).all()
    ids = [c.id for c in claims]
    touched: set[object] = set()
    if ids:
        touched = set(
            session.scalars(
                select(ClaimEvent.claim_id).where(
                    ClaimEvent.claim_id.in_(ids), ClaimEvent.kind.in_(HUMAN_KINDS)
                )
            )
        )
    repairs = session.scalars(
        select(RepairOrder).where(
            RepairOrder.offered_at >= since, RepairOrder.status == RepairStatus.delivered
        )
    ).all()
    pairs: dict[str, list[float]] = {s: [] for s in STAGES}
    for c in claims:
        for stage, a, b in (
            ("report_to_assess", c.reported_at, c.assessed_at),
            ("assess_to_decide", c.assessed_at, c.decided_at),
            ("decide_to_pay", c.decided_at, c.paid_at),
            ("report_to_pay", c.reported_at, c.paid_at),
        ):
            hours = _hours(a, b)
            if hours is not None:
                pairs[stage].append(hours)
    for r in repairs:
        hours = _hours(r.offered_at, r.delivered_at)
        if hours is not None:
            pairs["repair_offer_to_delivery"].append(hours)
    decided = [c for c in claims if c.decided_at is not None]
    paid = [c for c in claims if c.paid_at is not None]
    desk = [c for c in claims if waiting(c)]
    breached = [c for c in desk if c.sla_due_at is not None and ensure_utc(c.sla_due_at) < now]
    return ClaimMetrics(
        since=since,
        reported=len(claims),
        decided=len(decided),
        fast_tracked=sum(1 for c in decided if c.fast_track),
        touchless=sum(1 for c in paid if c.fast_track and c.id not in touched),
        paid=len(paid),
        disputed=sum(1 for c in claims if c.disputed),
        in_desk=len(desk),
        sla_breached=len(breached),
        stages=stage_times(pairs),
    )
