"""The guided assessment: picked damage → the claim's one shared, explained estimate.

Owner, adjuster and shop use the same picker (part on the car diagram, damage type, severity).
The estimate is priced from the car (make, price band, powertrain) and the city tier of the loss,
stored with every line's explanation, and anchored on the evidence log. The owner's first
assessment runs the small-claim fast track at once (``fast_track.decide``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from carecover.claims.enums import ClaimStatus, EstimateKind, EstimateStatus, EventKind
from carecover.claims.errors import ClaimConflict
from carecover.claims.models import Claim, ClaimEstimate
from carecover.claims.service import estimate as est
from carecover.claims.service import timeline
from carecover.claims.service.catalogue import CarPart, DamageType, Operation, Severity
from carecover.customers.models import Customer
from carecover.evidence import service as evidence
from carecover.platform.auth.roles import Role
from carecover.platform.clock import utc_now
from carecover.platform.context import Actor
from carecover.platform.errors import FieldProblem, InvalidFields
from carecover.platform.geo import Point, haversine_km
from carecover.platform.geo.cities import city_by_adcode, prefecture_cities
from carecover.vehicles.models import Vehicle

DEFAULT_TIER = 2
NEAR_CITY_KM = 120.0
OPEN_FOR_ASSESSMENT = (
    ClaimStatus.reported,
    ClaimStatus.adjuster_review,
    ClaimStatus.more_photos_requested,
)


def parse_items(raw: Sequence[Mapping[str, Any]]) -> list[est.DamageItem]:
    """Items from JSON or a form, checked by the estimate engine's rules (codes est.*)."""
    items: list[est.DamageItem] = []
    for index, entry in enumerate(raw):
        try:
            items.append(
                est.DamageItem(
                    CarPart(str(entry.get("part"))),
                    DamageType(str(entry.get("damage"))),
                    Severity(str(entry.get("severity") or "moderate")),
                )
            )
        except ValueError:
            raise InvalidFields(
                FieldProblem(f"items.{index}", "estimate.unknown_code", {"item": index + 1})
            ) from None
    return items


def vehicle_profile(vehicle: Vehicle) -> est.VehicleProfile:
    return est.VehicleProfile(
        make=vehicle.make,
        purchase_price_fen=vehicle.purchase_price_fen or 0,
        powertrain=vehicle.powertrain.value,
    )


def nearest_city_adcode(lat: float, lng: float) -> str | None:
    """The prefecture city nearest a point, when one is within ~120 km."""
    here = Point(lat, lng)
    best = min(prefecture_cities(), key=lambda c: haversine_km(here, c.point))
    return best.adcode if haversine_km(here, best.point) <= NEAR_CITY_KM else None


def city_tier(session: Session, claim: Claim) -> int:
    """The labour-rate tier of where the loss happened (else where the customer lives)."""
    adcode = claim.city_adcode
    if adcode is None:
        customer = session.get(Customer, claim.customer_id)
        adcode = customer.city_adcode if customer else None
    city = city_by_adcode(adcode) if adcode else None
    return city.tier if city else DEFAULT_TIER


def line_json(line: est.EstimateLine) -> dict[str, Any]:
    return {
        "part": line.part.value,
        "operation": line.operation.value,
        "amount_fen": line.amount_fen,
        "quantity": line.quantity,
        "hours_tenths": line.hours_tenths,
        "unit_fen": line.unit_fen,
        "materials_fen": line.materials_fen,
        "why": {"key": line.explanation.key, "params": dict(line.explanation.params)},
    }


def estimate_of(row: ClaimEstimate) -> est.Estimate:
    """The stored estimate back as the engine's value (re-checked on the way)."""
    lines = [
        est.EstimateLine(
            CarPart(ln["part"]),
            Operation(ln["operation"]),
            ln["amount_fen"],
            ln["quantity"],
            ln["hours_tenths"],
            ln["unit_fen"],
            est.Explanation(ln["why"]["key"], dict(ln["why"]["params"])),
            ln["materials_fen"],
        )
        for ln in row.lines
    ]
    return est.Estimate.of(lines)


def items_json(items: Sequence[est.DamageItem]) -> list[dict[str, str]]:
    return [{"part": i.part, "damage": i.damage, "severity": i.severity} for i in items]


def price(session: Session, claim: Claim, items: Sequence[est.DamageItem]) -> est.Estimate:
    vehicle = session.get(Vehicle, claim.vehicle_id)
    if vehicle is None:  # pragma: no cover - RESTRICT foreign key
        raise ClaimConflict("vehicle_missing")
    try:
        return est.estimate(
            items, vehicle=vehicle_profile(vehicle), city_tier=city_tier(session, claim)
        )
    except est.EstimateInputError as exc:
        where = "items" if exc.index is None else f"items.{exc.index}"
        raise InvalidFields(FieldProblem(where, exc.code, dict(exc.params))) from exc


def store(
    session: Session,
    claim: Claim,
    actor: Actor,
    estimate: est.Estimate,
    items: Sequence[est.DamageItem],
    *,
    kind: EstimateKind,
    status: EstimateStatus,
    partner_id: Any = None,
) -> ClaimEstimate:
    """Keep an estimate (numbered per claim) and anchor it."""
    seq = session.scalar(
        select(func.coalesce(func.max(ClaimEstimate.seq), 0)).where(
            ClaimEstimate.claim_id == claim.id
        )
    )
    row = ClaimEstimate(
        claim_id=claim.id,
        seq=int(seq or 0) + 1,
        kind=kind,
        status=status,
        items=items_json(items),
        lines=[line_json(ln) for ln in estimate.lines],
        total_fen=estimate.total_fen,
        city_tier=city_tier(session, claim),
        author_id=actor.user_id,
        author_role=actor.role.value if actor.role else None,
        partner_id=partner_id,
        created_at=utc_now(),
    )
    session.add(row)
    session.flush()
    rec = evidence.anchor(
        session,
        kind=evidence.RecordKind.estimate,
        subject_type="claim",
        subject_id=str(claim.id),
        content={
            "claim_no": claim.claim_no,
            "seq": row.seq,
            "kind": kind.value,
            "total_fen": row.total_fen,
            "lines": row.lines,
        },
        party_id=claim.customer_id,
    )
    row.evidence_record_id = rec.id
    return row


def current(session: Session, claim: Claim) -> ClaimEstimate | None:
    return session.scalars(
        select(ClaimEstimate).where(
            ClaimEstimate.claim_id == claim.id, ClaimEstimate.status == EstimateStatus.current
        )
    ).first()


def make_current(session: Session, claim: Claim, row: ClaimEstimate) -> None:
    """``row`` becomes the claim's estimate; the previous one is kept as superseded."""
    previous = current(session, claim)
    if previous is not None and previous.id != row.id:
        previous.status = EstimateStatus.superseded
        session.flush()
    row.status = EstimateStatus.current
    claim.estimate_fen = row.total_fen


def assess(
    session: Session, actor: Actor, claim: Claim, raw_items: Sequence[Mapping[str, Any]]
) -> ClaimEstimate:
    """Price the picked damage as the claim's estimate (owner before a decision, adjuster on the
    desk). The first owner assessment is decided by the fast track."""
    owner_late = actor.role is Role.owner and claim.status is not ClaimStatus.reported
    if claim.status not in OPEN_FOR_ASSESSMENT or owner_late:  # the desk's estimate is staff's
        raise ClaimConflict("not_open_for_assessment", status=claim.status.value)
    items = parse_items(raw_items)
    priced = price(session, claim, items)
    row = store(
        session,
        claim,
        actor,
        priced,
        items,
        kind=EstimateKind.assessment,
        status=EstimateStatus.superseded,
    )
    make_current(session, claim, row)
    claim.assessed_at = claim.assessed_at or row.created_at
    timeline.record(
        session,
        claim,
        EventKind.assessed,
        actor,
        {"estimate_seq": row.seq, "total_fen": row.total_fen, "lines": len(row.lines)},
    )
    if claim.status is ClaimStatus.reported:
        from carecover.claims.service import fast_track

        fast_track.decide(session, actor, claim)
    return row
