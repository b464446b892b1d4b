"""Read models of claims for the API and the web pages (texts in the reader's language)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from carecover.claims.models import (
    Claim,
    ClaimEstimate,
    ClaimEvent,
    ClaimPhoto,
    RepairMilestone,
    RepairOrder,
)
from carecover.claims.schemas import (
    ClaimRead,
    DeskClaimRead,
    EstimateLineRead,
    EstimateRead,
    LineDiffRead,
    MilestoneRead,
    PayoutRead,
    PhotoRead,
    ReasonRead,
    RepairOrderRead,
    SupplementRead,
    TimelineEntry,
)
from carecover.claims.service import assessment, desk, fnol, payouts, repair
from carecover.claims.service import estimate as est
from carecover.claims.service.estimate_messages import MESSAGES, render
from carecover.claims.service.photos import RETAKE_CODES
from carecover.partners.models import PartnerLocation
from carecover.platform.i18n import translate


def _lang(lang: str) -> str:
    return lang if lang in MESSAGES else "zh-CN"


def _yuan(fen: int | None) -> str:
    if fen is None:
        return "-"
    return f"{fen // 100:,}" if fen % 100 == 0 else f"{fen // 100:,}.{fen % 100:02d}"


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


def text(key: str, lang: str, params: dict[str, Any]) -> str:
    """A message with money shown in yuan (``x_fen`` also gives ``x``); missing ones blank."""
    shown = _Blank(params)
    for k, v in params.items():
        if k.endswith("_fen") and isinstance(v, int):
            shown[k[:-4]] = _yuan(v)
    return translate(key, lang).format_map(shown)


def reason_read(reason: dict[str, Any], lang: str) -> ReasonRead:
    code = str(reason.get("code"))
    params = {k: v for k, v in reason.items() if k != "code"}
    shown = dict(params)
    if isinstance(shown.get("signals"), list):
        shown["signals"] = ", ".join(translate(f"claim.flag.{s}", lang) for s in shown["signals"])
    return ReasonRead(code=code, text=text(f"claim.reason.{code}", lang, shown), params=params)


def photo_read(photo: ClaimPhoto, lang: str) -> PhotoRead:
    retake = [
        translate(f"claim.retake.{f['code']}", lang)
        for f in photo.flags
        if f.get("code") in RETAKE_CODES
    ]
    return PhotoRead(
        seq=photo.seq,
        sha256=photo.sha256,
        width=photo.width,
        height=photo.height,
        taken_at=photo.taken_at,
        quality=photo.quality,
        flags=photo.flags,
        retake=retake,
    )


def payout_read(session: Session, claim: Claim) -> PayoutRead | None:
    payout = payouts.of_claim(session, claim.id)
    if payout is None:
        return None
    return PayoutRead(
        amount_fen=payout.amount_fen,
        status=payout.status.value,
        payee="partner" if payout.payee_partner_id else "owner",
        provider_ref=payout.provider_ref,
        instructed_at=payout.instructed_at,
        paid_at=payout.paid_at,
    )


def claim_read(session: Session, claim: Claim, lang: str) -> ClaimRead:
    photos = session.scalars(
        select(ClaimPhoto).where(ClaimPhoto.claim_id == claim.id).order_by(ClaimPhoto.seq)
    ).all()
    return ClaimRead(
        id=claim.id,
        claim_no=claim.claim_no,
        status=claim.status.value,
        policy_id=claim.policy_id,
        vehicle_id=claim.vehicle_id,
        occurred_at=claim.occurred_at,
        reported_at=claim.reported_at,
        lat=claim.lat,
        lng=claim.lng,
        place=fnol.place_of(claim),
        description=fnol.description_of(claim),
        other_parties=claim.other_parties,
        police_report_no=claim.police_report_no,
        flags=claim.flags,
        photos=[photo_read(p, lang) for p in photos],
        ocr=claim.ocr,
        estimate_fen=claim.estimate_fen,
        approved_fen=claim.approved_fen,
        settlement=claim.settlement.value if claim.settlement else None,
        fast_track=claim.fast_track,
        reasons=[reason_read(r, lang) for r in claim.reasons],
        payout=payout_read(session, claim),
        review_requested_at=claim.review_requested_at,
        assigned_to=claim.assigned_to,
        sla_due_at=claim.sla_due_at,
    )


def estimate_read(row: ClaimEstimate, lang: str) -> EstimateRead:
    lang = _lang(lang)
    lines = [
        EstimateLineRead(
            part=ln["part"],
            operation=ln["operation"],
            amount_fen=ln["amount_fen"],
            quantity=ln["quantity"],
            hours_tenths=ln["hours_tenths"],
            unit_fen=ln["unit_fen"],
            materials_fen=ln["materials_fen"],
            explanation=render(ln["why"]["key"], ln["why"]["params"], lang),
            why=ln["why"],
        )
        for ln in row.lines
    ]
    return EstimateRead(
        seq=row.seq,
        kind=row.kind.value,
        status=row.status.value,
        total_fen=row.total_fen,
        city_tier=row.city_tier,
        items=row.items,
        lines=lines,
        created_at=row.created_at,
    )


def supplement_read(base: ClaimEstimate, counter: ClaimEstimate, lang: str) -> SupplementRead:
    change = est.diff(assessment.estimate_of(base), assessment.estimate_of(counter))
    return SupplementRead(
        estimate=estimate_read(counter, lang),
        base_total_fen=change.base_total_fen,
        counter_total_fen=change.counter_total_fen,
        delta_fen=change.delta_fen,
        lines=[
            LineDiffRead(
                part=d.key[0].value,
                operation=d.key[1].value,
                change=d.change.value,
                before_fen=d.before_fen,
                after_fen=d.after_fen,
                delta_fen=d.delta_fen,
            )
            for d in change.lines
        ],
    )


def event_text(event: ClaimEvent, lang: str) -> str:
    shown = {k: v for k, v in event.data.items() if isinstance(v, str | int | float)}
    if "milestone" in shown:
        shown["milestone"] = translate(f"repair.milestone.{shown['milestone']}", lang)
    if "decision" in shown:
        shown["decision"] = translate(f"claim.decision.{shown['decision']}", lang)
    if "review" in shown:
        return text(f"claim.timeline.review_{shown['review']}", lang, shown)
    return text(f"claim.timeline.{event.kind.value}", lang, shown)


def timeline_read(events: Sequence[ClaimEvent], lang: str) -> list[TimelineEntry]:
    return [
        TimelineEntry(at=e.at, kind=e.kind.value, text=event_text(e, lang), data=e.data)
        for e in events
    ]


def desk_read(claim: Claim, lang: str) -> DeskClaimRead:
    return DeskClaimRead(
        id=claim.id,
        claim_no=claim.claim_no,
        status=claim.status.value,
        estimate_fen=claim.estimate_fen,
        reasons=[reason_read(r, lang) for r in claim.reasons],
        assigned_to=claim.assigned_to,
        sla_due_at=claim.sla_due_at,
        sla=desk.sla_state(claim),
        review_requested=claim.review_requested_at is not None and claim.reviewed_at is None,
        reported_at=claim.reported_at,
    )


def milestone_read(m: RepairMilestone) -> MilestoneRead:
    return MilestoneRead(
        kind=m.kind.value, at=m.at, note=m.note, photo_sha256=m.photo_sha256, parts=m.parts
    )


def order_read(session: Session, order: RepairOrder) -> RepairOrderRead:
    site = session.get(PartnerLocation, order.location_id)
    claim = session.get(Claim, order.claim_id)
    return RepairOrderRead(
        id=order.id,
        order_no=order.order_no,
        claim_no=claim.claim_no if claim else "",
        status=order.status.value,
        shop=site.name if site else "",
        distance_km=order.distance_km,
        offered_at=order.offered_at,
        accepted_at=order.accepted_at,
        expected_ready_at=order.expected_ready_at,
        delivered_at=order.delivered_at,
        milestones=[milestone_read(m) for m in repair.milestones(session, order)],
    )


yuan = _yuan
