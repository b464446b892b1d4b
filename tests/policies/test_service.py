"""Policies: explained premiums, product rules, overlap, lifecycle, pro-rata refunds."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from carecover.platform.clock import utc_now
from carecover.platform.context import Actor
from carecover.platform.errors import InvalidFields
from carecover.policies import service
from carecover.policies.enums import CancelReason, Coverage, PolicyStatus
from carecover.policies.errors import CancelNotAllowed, PolicyOverlap
from carecover.policies.schemas import CoverageRequest, QuoteCreate
from carecover.vehicles.enums import Powertrain, Usage
from carecover.vehicles.models import Vehicle
from tests.factories.customers import make_vehicle

SYSTEM = Actor.system()
TPL_1M = 1_000_000 * 100


def commercial(vehicle: Vehicle, start: datetime, **overrides: object) -> QuoteCreate:
    values: dict[str, object] = {
        "vehicle_id": vehicle.id,
        "product_code": "NEV_COMM_2021" if vehicle.powertrain.is_nev else "COMM_2020",
        "starts_at": start,
        "coverages": [
            CoverageRequest(coverage=Coverage.vehicle_damage),
            CoverageRequest(coverage=Coverage.third_party_liability, limit_fen=TPL_1M),
        ],
    }
    values.update(overrides)
    return QuoteCreate(**values)  # type: ignore[arg-type]


def test_quote_explains_every_premium_line(session: Session) -> None:
    car = make_vehicle(session)
    car.purchase_date = date(2024, 11, 1)
    start = datetime(2026, 11, 1, tzinfo=UTC)
    policy = service.quote(session, SYSTEM, commercial(car, start))
    lines = {c.coverage: c for c in service.coverages(session, policy.id)}
    damage = lines[Coverage.vehicle_damage]
    # 219,800 CNY new, 24 months × 0.6% = 14.4% depreciation → 188,148.80 CNY actual value.
    assert damage.limit_fen == 18_814_880
    assert damage.premium_fen == 60_000 + 225_779  # 600 CNY + 1.2% of the actual value
    assert [e["key"] for e in damage.explanation] == [
        "rating.actual_value",
        "rating.damage_rate",
        "rating.usage_factor",
        "rating.deductible_discount",
    ]
    assert lines[Coverage.third_party_liability].premium_fen == 110_000
    assert policy.premium_fen == damage.premium_fen + 110_000
    assert policy.status is PolicyStatus.quote
    assert policy.ends_at == datetime(2027, 11, 1, tzinfo=UTC)


def test_ride_hailing_pays_the_operating_factor(session: Session) -> None:
    car = make_vehicle(session, usage=Usage.ride_hailing)
    policy = service.quote(
        session,
        SYSTEM,
        commercial(
            car,
            utc_now(),
            coverages=[CoverageRequest(coverage=Coverage.third_party_liability, limit_fen=TPL_1M)],
        ),
    )
    assert policy.premium_fen == 198_000  # 1,100 CNY × 1.8


@pytest.mark.parametrize(
    ("powertrain", "product", "code"),
    [
        (Powertrain.bev, "COMM_2020", "policy.nev_needs_nev_clauses"),
        (Powertrain.ice, "NEV_COMM_2021", "policy.nev_only"),
    ],
)
def test_nev_clauses_are_for_nevs_only(
    session: Session, powertrain: Powertrain, product: str, code: str
) -> None:
    car = make_vehicle(session, powertrain=powertrain)
    with pytest.raises(InvalidFields) as caught:
        service.quote(session, SYSTEM, commercial(car, utc_now(), product_code=product))
    assert [p.code for p in caught.value.problems] == [code]


def test_bad_quotes_report_each_problem(session: Session) -> None:
    car = make_vehicle(session)
    start = utc_now()
    with pytest.raises(InvalidFields) as caught:
        service.quote(
            session,
            SYSTEM,
            commercial(
                car,
                start,
                ends_at=start - timedelta(days=1),
                coverages=[
                    CoverageRequest(coverage=Coverage.compulsory_liability),
                    CoverageRequest(coverage=Coverage.third_party_liability, limit_fen=TPL_1M),
                    CoverageRequest(coverage=Coverage.third_party_liability, limit_fen=TPL_1M),
                ],
            ),
        )
    assert {p.code for p in caught.value.problems} == {
        "policy.dates",
        "policy.duplicate_coverage",
        "policy.coverage_not_in_product",
    }


def test_no_two_live_policies_of_one_kind_overlap(session: Session) -> None:
    car = make_vehicle(session)
    start = utc_now() - timedelta(days=10)
    first = service.bind(session, SYSTEM, service.quote(session, SYSTEM, commercial(car, start)))
    assert first.status is PolicyStatus.active
    second = service.quote(session, SYSTEM, commercial(car, start + timedelta(days=100)))
    with pytest.raises(PolicyOverlap):
        service.bind(session, SYSTEM, second)
    assert second.status is PolicyStatus.quote
    compulsory = service.quote(
        session,
        SYSTEM,
        QuoteCreate(
            vehicle_id=car.id,
            product_code="CTPL_2020",
            starts_at=start,
            coverages=[CoverageRequest(coverage=Coverage.compulsory_liability)],
        ),
    )
    assert service.bind(session, SYSTEM, compulsory).status is PolicyStatus.active  # other kind
    assert compulsory.premium_fen == 95_000


def test_cancel_refunds_the_unused_share_to_the_fen(session: Session) -> None:
    car = make_vehicle(session)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    policy = service.bind(session, SYSTEM, service.quote(session, SYSTEM, commercial(car, start)))
    at = datetime(2026, 4, 1, tzinfo=UTC)  # 90 of 365 days used
    service.cancel(session, SYSTEM, policy, CancelReason.customer_request, at)
    assert policy.status is PolicyStatus.cancelled
    assert policy.refund_fen == policy.premium_fen * 275 * 86_400 // (365 * 86_400)


def test_compulsory_insurance_ends_early_only_for_listed_reasons(session: Session) -> None:
    car = make_vehicle(session)
    policy = service.bind(
        session,
        SYSTEM,
        service.quote(
            session,
            SYSTEM,
            QuoteCreate(
                vehicle_id=car.id,
                product_code="CTPL_2020",
                starts_at=utc_now() - timedelta(days=1),
                coverages=[CoverageRequest(coverage=Coverage.compulsory_liability)],
            ),
        ),
    )
    with pytest.raises(CancelNotAllowed):
        service.cancel(session, SYSTEM, policy, CancelReason.customer_request)
    service.cancel(session, SYSTEM, policy, CancelReason.vehicle_scrapped)
    assert policy.refund_fen > 0


def test_renewal_continues_without_overlap_and_marks_the_old_policy(session: Session) -> None:
    car = make_vehicle(session)
    start = utc_now() - timedelta(days=300)
    old = service.bind(session, SYSTEM, service.quote(session, SYSTEM, commercial(car, start)))
    renewal = service.renew(session, SYSTEM, old)
    assert renewal.starts_at == old.ends_at
    assert renewal.renewal_of_id == old.id
    service.bind(session, SYSTEM, renewal)
    assert renewal.status is PolicyStatus.bound
    session.refresh(old)
    assert old.renewed_by_id == renewal.id
    later = old.ends_at + timedelta(hours=1)
    activated, ended = service.advance_statuses(session, now=later)
    session.refresh(old)
    session.refresh(renewal)
    assert (old.status, renewal.status) == (PolicyStatus.renewed, PolicyStatus.active)
    assert (activated, ended) == (1, 1)
