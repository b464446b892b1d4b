"""Entitlements: grant packages, answer "may this car use this service now, and what is left?",
and record uses atomically.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from carecover.benefits.catalogue import MARKET_PRICE_FEN, package
from carecover.benefits.enums import QuotaPeriod, ServiceType
from carecover.benefits.errors import (
    DuplicateUse,
    IncidentRequired,
    NotEntitled,
    QuotaExhausted,
    UnknownPackage,
    UseAlreadyReturned,
    UseNotFound,
)
from carecover.benefits.events import EntitlementReturned, EntitlementUsed, PackageGranted
from carecover.benefits.models import Grant, GrantItem, QuotaCounter, Use
from carecover.platform import audit
from carecover.platform.clock import ensure_utc, utc_now
from carecover.platform.context import Actor
from carecover.platform.db import dialect_insert
from carecover.platform.events import publish

BEIJING = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True, slots=True)
class Decision:
    """The answer for one service at one moment, with its reasons."""

    service: ServiceType
    covered: bool
    price_fen: int
    remaining: int | None
    """Uses left in the current period (None: unlimited, or not covered)."""
    item_id: uuid.UUID | None
    period_key: str | None
    package_code: str | None
    reason: str
    rules: dict[str, Any]


def grant_package(
    session: Session,
    actor: Actor,
    *,
    vehicle_id: uuid.UUID,
    package_code: str,
    starts_at: datetime | None = None,
    policy_id: uuid.UUID | None = None,
) -> Grant:
    """Give a vehicle a package from the catalogue, valid for the package's months."""
    try:
        definition = package(package_code)
    except LookupError:
        raise UnknownPackage(code=package_code) from None
    start = ensure_utc(starts_at) if starts_at else utc_now()
    grant = Grant(
        vehicle_id=vehicle_id,
        package_code=definition.code,
        policy_id=policy_id,
        valid_from=start,
        valid_until=start + relativedelta(months=definition.validity_months),
    )
    session.add(grant)
    session.flush()
    session.add_all(
        GrantItem(
            grant_id=grant.id,
            service=item.service,
            quota=item.quota,
            period=item.period,
            rules=dict(item.rules),
        )
        for item in definition.items
    )
    session.flush()
    audit.record(
        session,
        actor,
        "benefits.package_granted",
        object_type="vehicle",
        object_id=vehicle_id,
        details={"package": definition.code, "grant_id": str(grant.id)},
    )
    publish(
        session,
        PackageGranted(vehicle_id=vehicle_id, grant_id=grant.id, package_code=definition.code),
        request_id=actor.request_id,
    )
    return grant


def period_key(item: GrantItem, grant: Grant, at: datetime, incident_ref: str | None) -> str:
    """Which counter a use at ``at`` falls into."""
    if item.period is QuotaPeriod.month:
        return at.astimezone(BEIJING).strftime("m:%Y-%m")
    if item.period is QuotaPeriod.year:
        start = ensure_utc(grant.valid_from)
        years = relativedelta(at, start).years
        return f"y:{years + 1}"
    if item.period is QuotaPeriod.incident:
        if not incident_ref:
            raise IncidentRequired()
        return f"i:{incident_ref}"[:80]
    return "term"


def _active_items(
    session: Session, vehicle_id: uuid.UUID, service: ServiceType, at: datetime
) -> list[tuple[GrantItem, Grant]]:
    rows = session.execute(
        select(GrantItem, Grant)
        .join(Grant, Grant.id == GrantItem.grant_id)
        .where(
            Grant.vehicle_id == vehicle_id,
            GrantItem.service == service,
            Grant.revoked_at.is_(None),
            Grant.valid_from <= at,
            Grant.valid_until > at,
        )
        .order_by(Grant.valid_until, Grant.id)
    ).all()
    return [(item, grant) for item, grant in rows]


def _used(session: Session, item_id: uuid.UUID, key: str) -> int:
    counter = session.get(QuotaCounter, (item_id, key))
    return counter.used if counter else 0


def check(
    session: Session,
    vehicle_id: uuid.UUID,
    service: ServiceType,
    *,
    at: datetime | None = None,
    incident_ref: str | None = None,
) -> Decision:
    """May this vehicle use this service now for free, and what is left? Grants that end soonest
    are used first."""
    when = ensure_utc(at) if at else utc_now()
    market = MARKET_PRICE_FEN[service]
    exhausted: Decision | None = None
    for item, grant in _active_items(session, vehicle_id, service, when):
        key = period_key(item, grant, when, incident_ref)
        remaining = None if item.quota is None else item.quota - _used(session, item.id, key)
        decision = Decision(
            service=service,
            covered=remaining is None or remaining > 0,
            price_fen=0,
            remaining=remaining,
            item_id=item.id,
            period_key=key,
            package_code=grant.package_code,
            reason="covered" if remaining is None or remaining > 0 else "quota_exhausted",
            rules=dict(item.rules),
        )
        if decision.covered:
            return decision
        exhausted = exhausted or decision
    if exhausted is not None:
        return replace(exhausted, price_fen=market)
    return Decision(service, False, market, None, None, None, None, "not_entitled", {})


def _ensure_counter(session: Session, item_id: uuid.UUID, key: str) -> None:
    session.execute(
        dialect_insert(session, QuotaCounter)
        .values(item_id=item_id, period_key=key, used=0)
        .on_conflict_do_nothing(index_elements=["item_id", "period_key"])
    )


def use(
    session: Session,
    actor: Actor,
    vehicle_id: uuid.UUID,
    service: ServiceType,
    *,
    reference: str,
    at: datetime | None = None,
    incident_ref: str | None = None,
    allow_paid: bool = False,
) -> Use:
    """Record one use. Covered uses take one unit with a guarded UPDATE (used < quota), so two
    concurrent requests for the last unit end with exactly one winner; the loser gets
    ``QuotaExhausted`` (or a paid use at market price when ``allow_paid``)."""
    when = ensure_utc(at) if at else utc_now()
    if session.scalars(select(Use.id).where(Use.reference == reference)).first():
        raise DuplicateUse(reference=reference)
    decision = check(session, vehicle_id, service, at=when, incident_ref=incident_ref)
    item_id = key = None
    price = MARKET_PRICE_FEN[service]
    if decision.covered and decision.item_id is not None and decision.period_key is not None:
        item = session.get(GrantItem, decision.item_id)
        assert item is not None  # check() just read it
        if item.quota is None or _take_unit(session, item, decision.period_key):
            item_id, key, price = item.id, decision.period_key, 0
    if item_id is None and not allow_paid:
        if decision.reason == "not_entitled":
            raise NotEntitled(service=service.value)
        raise QuotaExhausted(service=service.value)
    record = Use(
        vehicle_id=vehicle_id,
        item_id=item_id,
        service=service,
        period_key=key,
        reference=reference,
        price_fen=price,
        used_at=when,
    )
    session.add(record)
    session.flush()
    audit.record(
        session,
        actor,
        "benefits.used",
        object_type="vehicle",
        object_id=vehicle_id,
        details={"service": service.value, "reference": reference, "price_fen": price},
    )
    publish(
        session,
        EntitlementUsed(
            vehicle_id=vehicle_id, service=service.value, reference=reference, price_fen=price
        ),
        request_id=actor.request_id,
    )
    return record


def _take_unit(session: Session, item: GrantItem, key: str) -> bool:
    assert item.quota is not None
    _ensure_counter(session, item.id, key)
    result = session.execute(
        update(QuotaCounter)
        .where(
            QuotaCounter.item_id == item.id,
            QuotaCounter.period_key == key,
            QuotaCounter.used < item.quota,
        )
        .values(used=QuotaCounter.used + 1)
        .execution_options(synchronize_session=False)
    )
    return getattr(result, "rowcount", 0) == 1


def give_back(
    session: Session,
    actor: Actor,
    *,
    reference: str,
    at: datetime | None = None,
    reason: str,
) -> Use:
    """Give back the use recorded under ``reference`` (its order or booking was cancelled in
    time). A covered use's unit goes back to the counter it came from (same item, same period,
    whenever the give-back happens); a paid or unlimited use is only marked returned. Both steps
    are guarded UPDATEs: of two concurrent give-backs exactly one succeeds, the other gets
    ``UseAlreadyReturned``, and a counter never goes below zero."""
    when = ensure_utc(at) if at else utc_now()
    record = session.scalars(select(Use).where(Use.reference == reference)).first()
    if record is None:
        raise UseNotFound(reference=reference)
    note = reason.strip()[:200] or "-"
    marked = session.execute(
        update(Use)
        .where(Use.id == record.id, Use.returned_at.is_(None))
        .values(returned_at=when, return_reason=note)
        .execution_options(synchronize_session=False)
    )
    if getattr(marked, "rowcount", 0) != 1:
        raise UseAlreadyReturned(reference=reference)
    unit_returned = False
    if record.item_id is not None and record.period_key is not None:
        item = session.get(GrantItem, record.item_id)
        if item is not None and item.quota is not None:
            unit_returned = _return_unit(session, item.id, record.period_key)
    session.refresh(record)
    audit.record(
        session,
        actor,
        "benefits.returned",
        object_type="vehicle",
        object_id=record.vehicle_id,
        details={
            "service": record.service.value,
            "reference": reference,
            "price_fen": record.price_fen,
            "unit_returned": unit_returned,
            "reason": note,
        },
    )
    publish(
        session,
        EntitlementReturned(
            vehicle_id=record.vehicle_id,
            service=record.service.value,
            reference=reference,
            price_fen=record.price_fen,
            unit_returned=unit_returned,
        ),
        request_id=actor.request_id,
    )
    return record


def _return_unit(session: Session, item_id: uuid.UUID, key: str) -> bool:
    result = session.execute(
        update(QuotaCounter)
        .where(
            QuotaCounter.item_id == item_id,
            QuotaCounter.period_key == key,
            QuotaCounter.used > 0,
        )
        .values(used=QuotaCounter.used - 1)
        .execution_options(synchronize_session=False)
    )
    return getattr(result, "rowcount", 0) == 1


@dataclass(frozen=True, slots=True)
class Balance:
    """What is left of one grant item right now."""

    package_code: str
    service: ServiceType
    period: QuotaPeriod
    quota: int | None
    used: int
    remaining: int | None
    valid_until: datetime
    rules: dict[str, Any]


def balances(
    session: Session, vehicle_id: uuid.UUID, *, at: datetime | None = None
) -> list[Balance]:
    """Every active grant item of a vehicle with what is left in the current period."""
    when = ensure_utc(at) if at else utc_now()
    rows = session.execute(
        select(GrantItem, Grant)
        .join(Grant, Grant.id == GrantItem.grant_id)
        .where(
            Grant.vehicle_id == vehicle_id,
            Grant.revoked_at.is_(None),
            Grant.valid_from <= when,
            Grant.valid_until > when,
        )
        .order_by(Grant.package_code, GrantItem.service)
    ).all()
    result = []
    for item, grant in rows:
        used = 0
        if item.period is not QuotaPeriod.incident:
            used = _used(session, item.id, period_key(item, grant, when, None))
        result.append(
            Balance(
                package_code=grant.package_code,
                service=item.service,
                period=item.period,
                quota=item.quota,
                used=used,
                remaining=None if item.quota is None else max(0, item.quota - used),
                valid_until=ensure_utc(grant.valid_until),
                rules=dict(item.rules),
            )
        )
    return result
