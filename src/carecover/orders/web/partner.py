"""The partner's job desk: offers waiting for an answer (with the time left), the jobs its units
are working with the next-step buttons, and its units with their status and last position.

An offer not answered in time goes to the next unit (the dispatch tick expires it); answering it
late is refused and the page says so. The desk refreshes itself every 10 s (HTMX), and pauses
while someone is typing a reason.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from carecover.orders.enums import OfferOutcome, OrderStatus
from carecover.orders.errors import OfferClosed
from carecover.orders.models import Offer, ProviderUnit, ServiceOrder
from carecover.orders.service import board, steps, units
from carecover.orders.service.fleet_index import STALE_AFTER_S
from carecover.orders.web.common import (
    CAR_COLOUR,
    CheckedPartner,
    FormProblem,
    error_text,
    render,
    text,
    unit_marker,
)
from carecover.partners.models import Partner, PartnerLocation
from carecover.platform.clock import ensure_utc, utc_now
from carecover.platform.errors import AppError
from carecover.platform.web.deps import PartnerPage, WebContext

router = APIRouter(include_in_schema=False)

DECLINE_REASONS = ("busy", "too_far", "cannot_do", "other")
STEP_ORDER = (
    OrderStatus.en_route,
    OrderStatus.on_site,
    OrderStatus.completed,
    OrderStatus.no_show,
    OrderStatus.gone_on_arrival,
)
RECENT = 10


@dataclass(frozen=True, slots=True)
class OfferRow:
    offer: Offer
    order: ServiceOrder
    unit: ProviderUnit | None
    shop: PartnerLocation | None
    seconds_left: int


@dataclass(frozen=True, slots=True)
class JobRow:
    order: ServiceOrder
    unit: ProviderUnit | None
    next_steps: tuple[OrderStatus, ...]
    eta_s: int | None


def _offers(ctx: WebContext, partner: Partner, now: datetime) -> list[OfferRow]:
    rows = ctx.session.execute(
        select(Offer, ServiceOrder)
        .join(ServiceOrder, ServiceOrder.id == Offer.order_id)
        .where(Offer.partner_id == partner.id, Offer.outcome == OfferOutcome.pending)
        .order_by(Offer.expires_at)
    ).all()
    out = []
    for offer, order in rows:
        left = (ensure_utc(offer.expires_at) - now).total_seconds()
        out.append(
            OfferRow(
                offer=offer,
                order=order,
                unit=ctx.session.get(ProviderUnit, offer.unit_id) if offer.unit_id else None,
                shop=ctx.session.get(PartnerLocation, offer.location_id)
                if offer.location_id
                else None,
                seconds_left=max(0, int(left)),
            )
        )
    return out


def _jobs(ctx: WebContext, partner: Partner, now: datetime) -> list[JobRow]:
    active = (OrderStatus.accepted, OrderStatus.en_route, OrderStatus.on_site)
    out = []
    for order in ctx.session.scalars(
        select(ServiceOrder)
        .where(ServiceOrder.partner_id == partner.id, ServiceOrder.status.in_(active))
        .order_by(ServiceOrder.accepted_at)
    ):
        unit = ctx.session.get(ProviderUnit, order.unit_id) if order.unit_id else None
        allowed = steps.NEXT.get(order.status, frozenset())
        out.append(
            JobRow(
                order=order,
                unit=unit,
                next_steps=tuple(s for s in STEP_ORDER if s in allowed),
                eta_s=board.live_eta_s(order, unit, now),
            )
        )
    return out


def desk(ctx: WebContext) -> dict[str, Any]:
    """The partner's offers, jobs, units and recently finished jobs."""
    partner = units.partner_of(ctx.session, ctx.actor())
    now = utc_now()
    fleet = list(
        ctx.session.scalars(
            select(ProviderUnit)
            .where(ProviderUnit.partner_id == partner.id)
            .order_by(ProviderUnit.call_sign)
        )
    )
    offers = _offers(ctx, partner, now)
    jobs = _jobs(ctx, partner, now)
    recent = list(
        ctx.session.scalars(
            select(ServiceOrder)
            .where(
                ServiceOrder.partner_id == partner.id,
                ServiceOrder.status.not_in(board.OPEN),
            )
            .order_by(ServiceOrder.finished_at.desc())
            .limit(RECENT)
        )
    )
    stale_before = now - timedelta(seconds=STALE_AFTER_S)
    markers = [unit_marker(ctx, u) for u in fleet]
    for order in [r.order for r in offers] + [j.order for j in jobs]:
        markers.append(
            {
                "lat": order.lat,
                "lng": order.lng,
                "colour": CAR_COLOUR,
                "radius": 8,
                "kind": "order",
                "label": f"{order.number} · {ctx.t('service.' + order.service.value)}",
            }
        )
    return {
        "partner": partner,
        "offers": offers,
        "jobs": jobs,
        "fleet": fleet,
        "recent": recent,
        "now": now,
        "decline_reasons": DECLINE_REASONS,
        "needs_reason": {s.value for s in steps.NEEDS_REASON},
        "points": {"markers": markers},
        "stale": {u.id for u in fleet if ensure_utc(u.position_at) < stale_before},
    }


@router.get("/partner/orders", response_model=None)
def orders_desk(ctx: PartnerPage) -> Response:
    return render(ctx, "orders/partner_desk.html", **desk(ctx))


@router.get("/partner/orders/live", response_model=None)
def orders_desk_live(ctx: PartnerPage) -> Response:
    return render(ctx, "orders/_partner_live.html", **desk(ctx))


def _refused(ctx: WebContext, exc: AppError) -> Response:
    if not isinstance(exc, OfferClosed):
        ctx.session.rollback()
    # An offer answered too late is expired and the order sent on to the next unit before the
    # refusal: that is kept (committed with the page), so the job does not wait for the tick.
    return render(
        ctx,
        "orders/partner_desk.html",
        status_code=exc.status_code,
        error=error_text(ctx, exc),
        **desk(ctx),
    )


@router.post("/partner/orders/offers/{offer_id}", response_model=None)
async def answer_offer(ctx: CheckedPartner, offer_id: uuid.UUID) -> Response:
    form = await ctx.request.form()
    decision = text(form, "decision", 10)
    try:
        if decision not in ("accept", "decline"):
            raise FormProblem("decision")
        reason = text(form, "reason") or None
        if decision == "decline" and reason not in DECLINE_REASONS:
            raise FormProblem("reason")
        steps.answer(
            ctx.session,
            ctx.actor(),
            offer_id,
            accept=decision == "accept",
            now=utc_now(),
            reason=reason,
        )
    except AppError as exc:
        return _refused(ctx, exc)
    return RedirectResponse("/partner/orders", status_code=303)


@router.post("/partner/orders/{order_id}/step", response_model=None)
async def step_job(ctx: CheckedPartner, order_id: uuid.UUID) -> Response:
    form = await ctx.request.form()
    try:
        wanted = text(form, "to", 20)
        if wanted not in {s.value for s in STEP_ORDER}:
            raise FormProblem("step")
        to = OrderStatus(wanted)
        reason = text(form, "reason") or None
        if to in steps.NEEDS_REASON and not reason:
            raise FormProblem("reason")
        steps.step(ctx.session, ctx.actor(), order_id, to, now=utc_now(), reason=reason)
    except AppError as exc:
        return _refused(ctx, exc)
    return RedirectResponse("/partner/orders", status_code=303)
