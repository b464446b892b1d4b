"""Policy use cases: quote (with an explained premium), bind, cancel with pro-rata refund, renew,
and the scheduled moves to active and expired."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from carecover.platform import audit
from carecover.platform.clock import ensure_utc, utc_now
from carecover.platform.context import Actor
from carecover.platform.errors import FieldProblem, InvalidFields, NotFound
from carecover.platform.events import publish
from carecover.platform.ids import new_id
from carecover.policies import catalogue as cat
from carecover.policies.enums import CancelReason, Coverage, PolicyKind, PolicyStatus
from carecover.policies.errors import CancelNotAllowed, PolicyOverlap, WrongStatus
from carecover.policies.events import PolicyBound, PolicyCancelled
from carecover.policies.models import Policy, PolicyCoverage
from carecover.policies.schemas import CoverageRequest, QuoteCreate
from carecover.vehicles.models import Vehicle

QUOTE_VALIDITY = timedelta(days=30)
LIVE = (PolicyStatus.bound, PolicyStatus.active)
COMPULSORY_CANCEL_REASONS = {
    CancelReason.vehicle_scrapped,
    CancelReason.vehicle_transferred,
    CancelReason.duplicate_policy,
}
Line = tuple[int, int | None, list[dict[str, Any]]]


def _why(key: str, **params: Any) -> dict[str, Any]:
    return {"key": f"rating.{key}", "params": params}


def price_line(vehicle: Vehicle, req: CoverageRequest, on: datetime) -> Line:
    """Premium, effective limit and the explanation for one cover (problems raise)."""
    factor = cat.USAGE_FACTOR[vehicle.usage]
    c = req.coverage
    if c is Coverage.compulsory_liability:
        base = cat.COMPULSORY_BASE_FEN.get(vehicle.usage, cat.COMPULSORY_OTHER_FEN)
        return base, cat.COMPULSORY_LIMIT_FEN, [_why("compulsory_base", premium_fen=base)]
    if c is Coverage.vehicle_damage:
        if vehicle.purchase_price_fen is None:
            raise InvalidFields(FieldProblem("coverages", "policy.vehicle_value_unknown"))
        value = cat.actual_value_fen(vehicle.purchase_price_fen, vehicle.purchase_date, on.date())
        if req.limit_fen is not None and req.limit_fen > value:
            raise InvalidFields(
                FieldProblem("coverages", "policy.over_insured", {"max_fen": value})
            )
        limit = req.limit_fen or value
        if req.deductible_fen not in cat.DEDUCTIBLE_DISCOUNT:
            raise InvalidFields(FieldProblem("coverages", "policy.deductible_option"))
        rate = cat.DAMAGE_RATE[vehicle.powertrain.is_nev]
        discount = cat.DEDUCTIBLE_DISCOUNT[req.deductible_fen]
        premium = cat.fen((cat.DAMAGE_BASE_FEN + rate * limit) * factor * discount)
        return (
            premium,
            limit,
            [
                _why("actual_value", value_fen=value),
                _why("damage_rate", base_fen=cat.DAMAGE_BASE_FEN, rate=str(rate)),
                _why("usage_factor", factor=str(factor)),
                _why("deductible_discount", factor=str(discount)),
            ],
        )
    if c is Coverage.third_party_liability:
        if req.limit_fen not in cat.THIRD_PARTY_FEN:
            raise InvalidFields(FieldProblem("coverages", "policy.limit_option"))
        premium = cat.fen(cat.THIRD_PARTY_FEN[req.limit_fen] * factor)
        return (
            premium,
            req.limit_fen,
            [
                _why("third_party_table", limit_fen=req.limit_fen),
                _why("usage_factor", factor=str(factor)),
            ],
        )
    if c in cat.SEAT_RATE:
        if not req.limit_fen or not req.seats:
            raise InvalidFields(FieldProblem("coverages", "policy.seat_limit_required"))
        rate = cat.SEAT_RATE[c]
        premium = cat.fen(Decimal(req.limit_fen) * rate * req.seats * factor)
        return (
            premium,
            req.limit_fen,
            [
                _why("per_seat", rate=str(rate), seats=req.seats),
                _why("usage_factor", factor=str(factor)),
            ],
        )
    fixed = cat.RIDER_FIXED_FEN[c]
    return fixed, req.limit_fen, [_why("rider_fixed", premium_fen=fixed)]


def _check_quote(
    data: QuoteCreate, vehicle: Vehicle | None
) -> tuple[cat.Product, datetime, datetime]:
    problems: list[FieldProblem] = []
    product = cat.PRODUCTS.get(data.product_code)
    if product is None:
        problems.append(FieldProblem("product_code", "policy.unknown_product"))
    if vehicle is None:
        problems.append(FieldProblem("vehicle_id", "policy.unknown_vehicle"))
    starts = ensure_utc(data.starts_at)
    ends = ensure_utc(data.ends_at) if data.ends_at else starts + relativedelta(years=1)
    if ends <= starts:
        problems.append(FieldProblem("ends_at", "policy.dates"))
    elif ends - starts > timedelta(days=366):
        problems.append(FieldProblem("ends_at", "policy.too_long"))
    if product is not None and vehicle is not None:
        if not cat.product_fits(product, vehicle.powertrain):
            code = (
                "policy.nev_needs_nev_clauses" if vehicle.powertrain.is_nev else "policy.nev_only"
            )
            problems.append(FieldProblem("product_code", code))
        chosen = [c.coverage for c in data.coverages]
        if len(set(chosen)) != len(chosen):
            problems.append(FieldProblem("coverages", "policy.duplicate_coverage"))
        for c in chosen:
            if c not in product.allowed:
                problems.append(
                    FieldProblem(
                        "coverages", "policy.coverage_not_in_product", {"coverage": c.value}
                    )
                )
        for c in product.required - set(chosen):
            problems.append(
                FieldProblem("coverages", "policy.coverage_required", {"coverage": c.value})
            )
    if problems:
        raise InvalidFields(*problems)
    assert product is not None
    return product, starts, ends


def new_policy_no(kind: PolicyKind, at: datetime) -> str:
    prefix = "PC" if kind is PolicyKind.compulsory else "PM"
    return f"{prefix}{at:%Y%m}{new_id().hex[-10:].upper()}"


def quote(session: Session, actor: Actor, data: QuoteCreate) -> Policy:
    """Price a policy for a vehicle; the quote stays valid for 30 days."""
    vehicle = session.get(Vehicle, data.vehicle_id)
    product, starts, ends = _check_quote(data, vehicle)
    assert vehicle is not None
    now = utc_now()
    lines = [(req, *price_line(vehicle, req, starts)) for req in data.coverages]
    policy = Policy(
        id=new_id(),
        policy_no=new_policy_no(product.kind, now),
        product_code=product.code,
        kind=product.kind,
        vehicle_id=vehicle.id,
        holder_id=vehicle.owner_id,
        status=PolicyStatus.quote,
        starts_at=starts,
        ends_at=ends,
        premium_fen=sum(premium for _, premium, _, _ in lines),
        quote_valid_until=now + QUOTE_VALIDITY,
    )
    session.add(policy)
    session.add_all(
        PolicyCoverage(
            policy_id=policy.id,
            coverage=req.coverage,
            limit_fen=limit,
            deductible_fen=req.deductible_fen,
            seats=req.seats,
            premium_fen=premium,
            explanation=why,
        )
        for req, premium, limit, why in lines
    )
    session.flush()
    audit.record(
        session,
        actor,
        "policies.quoted",
        object_type="policy",
        object_id=policy.id,
        details={"product": product.code, "premium_fen": policy.premium_fen},
    )
    return policy


def get_or_raise(session: Session, policy_id: uuid.UUID) -> Policy:
    policy = session.get(Policy, policy_id)
    if policy is None:
        raise NotFound()
    return policy


def coverages(session: Session, policy_id: uuid.UUID) -> Sequence[PolicyCoverage]:
    return session.scalars(
        select(PolicyCoverage)
        .where(PolicyCoverage.policy_id == policy_id)
        .order_by(PolicyCoverage.coverage)
    ).all()


def coverages_by_policy(
    session: Session, policy_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[PolicyCoverage]]:
    """Coverage lines of many policies in one query (for lists)."""
    found: dict[uuid.UUID, list[PolicyCoverage]] = {pid: [] for pid in policy_ids}
    if policy_ids:
        rows = session.scalars(
            select(PolicyCoverage)
            .where(PolicyCoverage.policy_id.in_(policy_ids))
            .order_by(PolicyCoverage.coverage)
        )
        for line in rows:
            found[line.policy_id].append(line)
    return found


def _lock_vehicle(session: Session, vehicle_id: uuid.UUID) -> None:
    """Serialise binds per vehicle so two concurrent binds cannot both pass the overlap check."""
    query = select(Vehicle.id).where(Vehicle.id == vehicle_id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    session.execute(query)


def bind(session: Session, actor: Actor, policy: Policy) -> Policy:
    """Accept a quote: no other live policy of the same kind may overlap its period."""
    if policy.status is not PolicyStatus.quote:
        raise WrongStatus(status=policy.status.value)
    now = utc_now()
    if policy.quote_valid_until and ensure_utc(policy.quote_valid_until) < now:
        raise WrongStatus(status="quote_expired")
    _lock_vehicle(session, policy.vehicle_id)
    clash = session.scalars(
        select(Policy.policy_no).where(
            Policy.vehicle_id == policy.vehicle_id,
            Policy.kind == policy.kind,
            Policy.status.in_(LIVE),
            Policy.id != policy.id,
            Policy.starts_at < policy.ends_at,
            Policy.ends_at > policy.starts_at,
        )
    ).first()
    if clash:
        raise PolicyOverlap(policy_no=clash)
    policy.status = (
        PolicyStatus.active if ensure_utc(policy.starts_at) <= now else PolicyStatus.bound
    )
    policy.bound_at = now
    if policy.renewal_of_id:
        session.execute(
            update(Policy).where(Policy.id == policy.renewal_of_id).values(renewed_by_id=policy.id)
        )
    session.flush()
    audit.record(session, actor, "policies.bound", object_type="policy", object_id=policy.id)
    publish(
        session,
        PolicyBound(
            policy_id=policy.id,
            vehicle_id=policy.vehicle_id,
            kind=policy.kind.value,
            product_code=policy.product_code,
            starts_at=ensure_utc(policy.starts_at),
        ),
        request_id=actor.request_id,
    )
    return policy


def refund_fen(policy: Policy, at: datetime) -> int:
    """Pro-rata refund of the unused part of the period (rounded down to the fen)."""
    start, end = ensure_utc(policy.starts_at), ensure_utc(policy.ends_at)
    if at <= start:
        return policy.premium_fen
    if at >= end:
        return 0
    unused = (end - at).total_seconds()
    return int(policy.premium_fen * unused // (end - start).total_seconds())


def cancel(
    session: Session, actor: Actor, policy: Policy, reason: CancelReason, at: datetime | None = None
) -> Policy:
    if policy.status not in (*LIVE, PolicyStatus.quote):
        raise WrongStatus(status=policy.status.value)
    if (
        policy.kind is PolicyKind.compulsory
        and reason not in COMPULSORY_CANCEL_REASONS
        and policy.status is not PolicyStatus.quote
    ):
        raise CancelNotAllowed()
    when = ensure_utc(at) if at else utc_now()
    policy.refund_fen = refund_fen(policy, when) if policy.status in LIVE else 0
    policy.status = PolicyStatus.cancelled
    policy.cancelled_at = when
    policy.cancel_reason = reason
    session.flush()
    audit.record(
        session,
        actor,
        "policies.cancelled",
        object_type="policy",
        object_id=policy.id,
        details={"reason": reason.value, "refund_fen": policy.refund_fen},
    )
    publish(
        session,
        PolicyCancelled(
            policy_id=policy.id, vehicle_id=policy.vehicle_id, refund_fen=policy.refund_fen
        ),
        request_id=actor.request_id,
    )
    return policy


def renew(session: Session, actor: Actor, policy: Policy) -> Policy:
    """Quote the next period with the same covers (re-priced today)."""
    if policy.status not in (*LIVE, PolicyStatus.expired):
        raise WrongStatus(status=policy.status.value)
    requests = [
        CoverageRequest(
            coverage=c.coverage,
            limit_fen=c.limit_fen if c.coverage is not Coverage.vehicle_damage else None,
            deductible_fen=c.deductible_fen,
            seats=c.seats,
        )
        for c in coverages(session, policy.id)
        if c.coverage is not Coverage.compulsory_liability or policy.kind is PolicyKind.compulsory
    ]
    start = max(ensure_utc(policy.ends_at), utc_now())
    renewal = quote(
        session,
        actor,
        QuoteCreate(
            vehicle_id=policy.vehicle_id,
            product_code=policy.product_code,
            starts_at=start,
            coverages=requests,
        ),
    )
    renewal.renewal_of_id = policy.id
    session.flush()
    return renewal


def advance_statuses(session: Session, *, now: datetime | None = None) -> tuple[int, int]:
    """Bound policies whose start has come become active; ended ones expire (or are renewed)."""
    when = now or utc_now()
    activated = session.execute(
        update(Policy)
        .where(Policy.status == PolicyStatus.bound, Policy.starts_at <= when)
        .values(status=PolicyStatus.active)
    )
    renewed = session.execute(
        update(Policy)
        .where(
            Policy.status == PolicyStatus.active,
            Policy.ends_at <= when,
            Policy.renewed_by_id.is_not(None),
        )
        .values(status=PolicyStatus.renewed)
    )
    expired = session.execute(
        update(Policy)
        .where(Policy.status == PolicyStatus.active, Policy.ends_at <= when)
        .values(status=PolicyStatus.expired)
    )
    count = getattr
    return int(count(activated, "rowcount", 0)), int(count(renewed, "rowcount", 0)) + int(
        count(expired, "rowcount", 0)
    )
