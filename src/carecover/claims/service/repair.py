"""Repair at a certified shop (A2, B1): routing to the nearest qualified shop, the shop's answer,
milestones with photos and fitted-part serials, supplements the adjuster decides line by line.

A shop qualifies when it is an active repair partner holding a class-1 or class-2 repair licence
in force; a new-energy car only goes to shops holding that brand's NEV authorisation. Each
milestone is anchored on the evidence log; "parts replaced" installs every named serialised part
on the car through the parts domain, so the part's custody log names the repair order.
"""

from __future__ import annotations

import hashlib
import math
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from carecover.claims.enums import (
    ClaimStatus,
    EventKind,
    Milestone,
    RepairStatus,
    Settlement,
)
from carecover.claims.errors import ClaimConflict
from carecover.claims.events import RepairMilestonePosted
from carecover.claims.models import Claim, RepairMilestone, RepairOrder
from carecover.claims.service import assessment, payouts, photos, timeline
from carecover.claims.service.catalogue import Operation
from carecover.customers.models import Customer
from carecover.evidence import service as evidence
from carecover.partners.enums import PartnerStatus, PartnerType, QualificationKind
from carecover.partners.models import Partner, PartnerLocation
from carecover.partners.repository import nearest_locations, partners_holding
from carecover.partners.service import china_today
from carecover.parts import service as parts
from carecover.parts.service.gs1 import normalise_gtin
from carecover.platform.clock import utc_now
from carecover.platform.context import Actor
from carecover.platform.errors import FieldProblem, InvalidFields, NotFound
from carecover.platform.events import publish
from carecover.platform.geo import Point
from carecover.platform.geo.cities import city_by_adcode
from carecover.vehicles.models import Vehicle

ROUTABLE = (ClaimStatus.approved, ClaimStatus.partially_approved)
LIVE = (RepairStatus.offered, RepairStatus.accepted, RepairStatus.in_repair, RepairStatus.ready)
WORK_HOURS_PER_DAY = 6
MILESTONES = tuple(Milestone)
MAX_SERIALS = 20
SCAN_SITES = 400
"""How many nearest repair sites are screened for the qualified ones."""


@dataclass(frozen=True, slots=True)
class ShopOption:
    location: PartnerLocation
    partner: Partner
    distance_km: float
    nev_brand: str | None
    """The NEV brand authorisation that qualified it (NEV cars only)."""


def _point(session: Session, claim: Claim) -> Point | None:
    if claim.lat is not None and claim.lng is not None:
        return Point(claim.lat, claim.lng)
    customer = session.get(Customer, claim.customer_id)
    city = city_by_adcode(customer.city_adcode) if customer and customer.city_adcode else None
    return city.point if city else None


def qualified_partners(session: Session, vehicle: Vehicle) -> set[uuid.UUID]:
    """Partners with a repair licence in force, and for an NEV its brand's authorisation."""
    today = china_today()
    licensed = partners_holding(session, QualificationKind.repair_licence_class_1, today)
    licensed |= partners_holding(session, QualificationKind.repair_licence_class_2, today)
    if vehicle.powertrain.is_nev:
        licensed &= partners_holding(
            session, QualificationKind.nev_brand_authorisation, today, brand=vehicle.make
        )
    return licensed


def shops_for(
    session: Session, claim: Claim, *, limit: int = 5, exclude: Sequence[uuid.UUID] = ()
) -> list[ShopOption]:
    """The nearest qualified certified shops for the claim's car, nearest first."""
    vehicle = session.get(Vehicle, claim.vehicle_id)
    point = _point(session, claim)
    if vehicle is None or point is None:
        return []
    allowed = qualified_partners(session, vehicle) - set(exclude)
    options: list[ShopOption] = []
    seen: set[uuid.UUID] = set()
    for site, distance in nearest_locations(
        session, point, partner_type=PartnerType.repair_shop, limit=SCAN_SITES
    ):
        if site.partner_id in seen or site.partner_id not in allowed:
            continue
        seen.add(site.partner_id)
        partner = session.get(Partner, site.partner_id)
        if partner is None or partner.status is not PartnerStatus.active:
            continue
        brand = vehicle.make if vehicle.powertrain.is_nev else None
        options.append(ShopOption(site, partner, round(distance, 2), brand))
        if len(options) >= limit:
            break
    return options


def live_order(session: Session, claim: Claim) -> RepairOrder | None:
    return session.scalars(
        select(RepairOrder).where(RepairOrder.claim_id == claim.id, RepairOrder.status.in_(LIVE))
    ).first()


def orders(session: Session, claim: Claim) -> Sequence[RepairOrder]:
    return session.scalars(
        select(RepairOrder).where(RepairOrder.claim_id == claim.id).order_by(RepairOrder.offered_at)
    ).all()


def _order_no(now: datetime) -> str:
    return f"RO{now:%y%m%d}{secrets.token_hex(3).upper()}"


def choose_shop(
    session: Session, actor: Actor, claim: Claim, location_id: uuid.UUID
) -> RepairOrder:
    """Offer the repair to the chosen site (it must be one of the qualified options)."""
    if claim.status not in ROUTABLE or claim.settlement is not Settlement.repair:
        raise ClaimConflict("not_routable", status=claim.status.value)
    if live_order(session, claim) is not None:
        raise ClaimConflict("repair_already_routed")
    declined = [o.partner_id for o in orders(session, claim)]
    options = {o.location.id: o for o in shops_for(session, claim, limit=20, exclude=declined)}
    option = options.get(location_id)
    if option is None:
        raise InvalidFields(FieldProblem("location_id", "claim.shop_not_qualified"))
    now = utc_now()
    order = RepairOrder(
        order_no=_order_no(now),
        claim_id=claim.id,
        partner_id=option.partner.id,
        location_id=option.location.id,
        status=RepairStatus.offered,
        distance_km=option.distance_km,
        offered_at=now,
    )
    session.add(order)
    session.flush()
    timeline.record(
        session,
        claim,
        EventKind.shop_chosen,
        actor,
        {
            "order_no": order.order_no,
            "shop": option.location.name,
            "distance_km": option.distance_km,
        },
    )
    return order


def _shop_order(session: Session, actor: Actor, order_id: uuid.UUID) -> tuple[RepairOrder, Claim]:
    order = session.get(RepairOrder, order_id)
    partner = session.get(Partner, order.partner_id) if order else None
    if order is None or partner is None or partner.organisation_id != actor.organisation_id:
        raise NotFound()
    claim = session.get(Claim, order.claim_id)
    assert claim is not None
    return order, claim


def expected_days(session: Session, claim: Claim) -> int:
    """Working days from the current estimate: labour and paint hours at 6 productive hours a
    day, one more day when parts must be ordered; at least one."""
    row = assessment.current(session, claim)
    if row is None:
        return 1
    tenths = sum(int(ln["hours_tenths"]) for ln in row.lines)
    days = math.ceil(tenths / (10 * WORK_HOURS_PER_DAY))
    if any(ln["operation"] == Operation.replace_part.value for ln in row.lines):
        days += 1
    return max(1, days)


def respond(
    session: Session, actor: Actor, order_id: uuid.UUID, *, accept: bool, reason: str = ""
) -> RepairOrder:
    """The shop accepts (with an expected ready date) or declines (the owner picks again)."""
    order, claim = _shop_order(session, actor, order_id)
    if order.status is not RepairStatus.offered:
        raise ClaimConflict("order_not_offered", status=order.status.value)
    now = utc_now()
    if accept:
        order.status, order.accepted_at = RepairStatus.accepted, now
        order.expected_ready_at = now + timedelta(days=expected_days(session, claim))
        timeline.record(
            session,
            claim,
            EventKind.repair_accepted,
            actor,
            {"order_no": order.order_no, "expected_ready_at": order.expected_ready_at.isoformat()},
        )
    else:
        if not reason.strip():
            raise InvalidFields(FieldProblem("reason", "claim.decline_reason"))
        order.status, order.decline_reason = RepairStatus.declined, reason.strip()[:200]
        timeline.record(
            session,
            claim,
            EventKind.repair_declined,
            actor,
            {"order_no": order.order_no, "reason": order.decline_reason},
        )
    return order


def milestones(session: Session, order: RepairOrder) -> Sequence[RepairMilestone]:
    return session.scalars(
        select(RepairMilestone)
        .where(RepairMilestone.repair_order_id == order.id)
        .order_by(RepairMilestone.at)
    ).all()


def _install(
    session: Session,
    actor: Actor,
    order: RepairOrder,
    vehicle_id: uuid.UUID,
    serials: Sequence[tuple[str, str]],
) -> list[dict[str, str]]:
    if not serials:
        raise InvalidFields(FieldProblem("parts", "claim.parts_serials_missing"))
    if len(serials) > MAX_SERIALS:
        raise InvalidFields(FieldProblem("parts", "claim.too_many_serials", {"max": MAX_SERIALS}))
    fitted = []
    for n, (gtin, serial) in enumerate(serials):
        try:
            part = parts.find(session, normalise_gtin(gtin), serial.strip())
        except ValueError:
            part = None
        if part is None:
            raise InvalidFields(FieldProblem(f"parts.{n}", "claim.part_unknown"))
        parts.install(session, actor, part.id, vehicle_id, repair_order=order.order_no)
        fitted.append({"gtin": part.gtin, "serial": part.serial, "name": part.name})
    return fitted


def post_milestone(
    session: Session,
    actor: Actor,
    order_id: uuid.UUID,
    kind: Milestone,
    *,
    note: str | None = None,
    photo: bytes | None = None,
    serials: Sequence[tuple[str, str]] = (),
    max_photo_bytes: int = 15 * 1_048_576,
) -> RepairMilestone:
    """Post the next milestone (skipping ahead is allowed, going back is not)."""
    order, claim = _shop_order(session, actor, order_id)
    if order.status not in (RepairStatus.accepted, RepairStatus.in_repair, RepairStatus.ready):
        raise ClaimConflict("order_not_in_repair", status=order.status.value)
    done = [m.kind for m in milestones(session, order)]
    if done and MILESTONES.index(kind) <= MILESTONES.index(done[-1]):
        raise ClaimConflict("milestone_out_of_order", last=done[-1].value)
    if kind is Milestone.delivered and _pending_supplement(session, claim):
        raise ClaimConflict("supplement_pending")
    cleaned = sha = None
    if photo:
        try:
            decoded = photos.decode(photo, max_bytes=max_photo_bytes)
        except photos.PhotoRejected as exc:
            raise InvalidFields(FieldProblem("photo", f"claim.{exc.code}")) from exc
        cleaned = photos.clean_jpeg(decoded)
        sha = hashlib.sha256(cleaned).hexdigest()
    fitted = (
        _install(session, actor, order, claim.vehicle_id, serials)
        if kind is Milestone.parts_replaced
        else []
    )
    now = utc_now()
    row = RepairMilestone(
        repair_order_id=order.id,
        kind=kind,
        at=now,
        note=(note or "").strip()[:500] or None,
        photo=cleaned,
        photo_sha256=sha,
        parts=fitted,
        actor_id=actor.user_id,
    )
    session.add(row)
    session.flush()
    event = timeline.record(
        session,
        claim,
        EventKind.milestone,
        actor,
        {
            "order_no": order.order_no,
            "milestone": kind.value,
            "note": row.note,
            "photo_sha256": sha,
            "parts": fitted,
        },
        anchor=evidence.RecordKind.repair_milestone,
    )
    row.evidence_record_id = event.evidence_record_id
    _advance(session, order, claim, kind, now)
    publish(session, RepairMilestonePosted(claim_id=claim.id, milestone=kind.value))
    return row


def _advance(
    session: Session, order: RepairOrder, claim: Claim, kind: Milestone, now: datetime
) -> None:
    if kind is Milestone.ready:
        order.status, order.ready_at = RepairStatus.ready, now
    elif kind is Milestone.delivered:
        order.status, order.delivered_at = RepairStatus.delivered, now
        order.ready_at = order.ready_at or now
        payouts.instruct(session, Actor.system(), claim, partner_id=order.partner_id)
    elif order.status is RepairStatus.accepted:
        order.status = RepairStatus.in_repair


def _pending_supplement(session: Session, claim: Claim) -> bool:
    from carecover.claims.service import supplements

    return supplements.pending(session, claim) is not None


def require_order(session: Session, order_id: uuid.UUID) -> RepairOrder:
    order = session.get(RepairOrder, order_id)
    if order is None:
        raise NotFound()
    return order
