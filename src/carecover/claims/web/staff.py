"""Staff pages: the adjuster desk (dashboard numbers, queue with filters and SLA timers) and the
claim page (photos, flags, estimate and supplement diff, decision, notes, review, timeline)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from starlette.datastructures import FormData

from carecover.claims.enums import ClaimStatus, DecisionKind, Settlement
from carecover.claims.models import Claim, ClaimPhoto
from carecover.claims.service import assessment, desk, fnol, metrics, supplements, views
from carecover.claims.service.views import supplement_read
from carecover.claims.web import common
from carecover.platform.auth.roles import Permission
from carecover.platform.errors import AppError, FieldProblem, InvalidFields, NotFound
from carecover.platform.web.deps import CheckedContext, WebContext, permission_required

router = APIRouter(include_in_schema=False)
ClaimsDesk = Annotated[WebContext, permission_required(Permission.claims_handle)]


def _claim(ctx: WebContext, claim_id: uuid.UUID) -> Claim:
    claim = ctx.session.get(Claim, claim_id)
    if claim is None:
        raise NotFound()
    return claim


@router.get("/staff/claims", response_model=None)
def desk_page(ctx: ClaimsDesk) -> Response:
    q = ctx.request.query_params
    status, assigned, sla = q.get("status", ""), q.get("assigned", ""), q.get("sla", "")
    f = desk.QueueFilter(
        status=ClaimStatus(status) if status in ClaimStatus.__members__ else None,
        assigned=assigned if assigned in ("me", "unassigned") else "any",
        sla=sla if sla in ("breached", "due_soon") else "any",
        flag=(q.get("flag") or None),
        review=q.get("review") == "1",
    )
    rows = desk.queue(ctx.session, ctx.actor(), f)
    return ctx.render(
        "claims/desk.html",
        rows=[views.desk_read(c, ctx.lang) for c in rows],
        metrics=metrics.compute(ctx.session, days=30),
        f=f,
        statuses=[ClaimStatus.adjuster_review, ClaimStatus.more_photos_requested],
        yuan=views.yuan,
    )


def _page(
    ctx: WebContext, claim: Claim, *, error: str | None = None, status: int = 200
) -> Response:
    photos = ctx.session.scalars(
        select(ClaimPhoto).where(ClaimPhoto.claim_id == claim.id).order_by(ClaimPhoto.seq)
    ).all()
    counter, base = supplements.pending(ctx.session, claim), assessment.current(ctx.session, claim)
    return ctx.render(
        "claims/staff_claim.html",
        common.claim_parts(ctx, claim, internal=True),
        photos=photos,
        description=fnol.description_of(claim),
        place=fnol.place_of(claim),
        supplement=supplement_read(base, counter, ctx.lang) if counter and base else None,
        assess=common.assessment_args(ctx),
        selected={i["part"]: (i["damage"], i["severity"]) for i in (base.items if base else [])},
        decidable=claim.status in desk.DECIDABLE,
        review_pending=claim.review_requested_at is not None and claim.reviewed_at is None,
        reject_reasons=sorted(desk.REJECT_REASONS),
        sla=desk.sla_state(claim),
        error=error,
        status_code=status,
    )


@router.get("/staff/claims/{claim_id}", response_model=None)
def claim_page(ctx: ClaimsDesk, claim_id: uuid.UUID) -> Response:
    return _page(ctx, _claim(ctx, claim_id))


@router.get("/staff/claims/{claim_id}/photos/{seq}", response_model=None)
def claim_photo(ctx: ClaimsDesk, claim_id: uuid.UUID, seq: int) -> Response:
    photo = ctx.session.scalars(
        select(ClaimPhoto).where(ClaimPhoto.claim_id == claim_id, ClaimPhoto.seq == seq)
    ).first()
    if photo is None:
        raise NotFound()
    return Response(
        photo.content, media_type="image/jpeg", headers={"Cache-Control": "private, max-age=3600"}
    )


async def _act(
    ctx: WebContext, claim_id: uuid.UUID, step: Callable[[Claim, FormData], object]
) -> Response:
    if not ctx.can(Permission.claims_handle):
        raise NotFound()
    claim = _claim(ctx, claim_id)
    form = await ctx.request.form()
    try:
        step(claim, form)
    except AppError as exc:
        ctx.session.rollback()
        return _page(ctx, _claim(ctx, claim_id), error=common.error_text(ctx, exc), status=422)
    return RedirectResponse(f"/staff/claims/{claim_id}", status_code=303)


def _amount(form: FormData) -> int | None:
    """Yuan as typed ("1200", "1200.50") → fen; never through a float."""
    raw = str(form.get("amount") or "").strip().replace(",", "")
    if not raw:
        return None
    whole, _, cents = raw.partition(".")
    if not whole.isdigit() or (cents and (not cents.isdigit() or len(cents) > 2)):
        raise InvalidFields(FieldProblem("amount_fen", "claim.amount_positive_integer"))
    return int(whole) * 100 + int((cents + "00")[:2])


@router.post("/staff/claims/{claim_id}/decision", response_model=None)
async def decide(ctx: CheckedContext, claim_id: uuid.UUID) -> Response:
    def step(claim: Claim, form: FormData) -> object:
        kind = str(form.get("decision") or "")
        if kind not in DecisionKind.__members__:
            raise InvalidFields(FieldProblem("decision", "claim.reject_reason"))
        settlement = Settlement.repair if form.get("settlement") == "repair" else Settlement.cash
        decision = desk.Decision(
            DecisionKind(kind),
            _amount(form),
            str(form.get("reason") or "") or None,
            str(form.get("note") or "").strip() or None,
            settlement,
        )
        return desk.decide(ctx.session, ctx.actor(), claim, decision)

    return await _act(ctx, claim_id, step)


@router.post("/staff/claims/{claim_id}/assign", response_model=None)
async def assign(ctx: CheckedContext, claim_id: uuid.UUID) -> Response:
    return await _act(ctx, claim_id, lambda c, _f: desk.assign(ctx.session, ctx.actor(), c))


@router.post("/staff/claims/{claim_id}/note", response_model=None)
async def note(ctx: CheckedContext, claim_id: uuid.UUID) -> Response:
    return await _act(
        ctx,
        claim_id,
        lambda c, f: desk.add_note(ctx.session, ctx.actor(), c, str(f.get("text") or "")),
    )


@router.post("/staff/claims/{claim_id}/assessment", response_model=None)
async def reassess(ctx: CheckedContext, claim_id: uuid.UUID) -> Response:
    return await _act(
        ctx,
        claim_id,
        lambda c, f: assessment.assess(ctx.session, ctx.actor(), c, common.form_items(f)),
    )


@router.post("/staff/claims/{claim_id}/supplement", response_model=None)
async def decide_supplement(ctx: CheckedContext, claim_id: uuid.UUID) -> Response:
    return await _act(
        ctx,
        claim_id,
        lambda c, f: supplements.decide(
            ctx.session, ctx.actor(), c, [str(v) for v in f.getlist("accept")]
        ),
    )


@router.post("/staff/claims/{claim_id}/review", response_model=None)
async def resolve_review(ctx: CheckedContext, claim_id: uuid.UUID) -> Response:
    return await _act(
        ctx,
        claim_id,
        lambda c, f: desk.resolve_review(
            ctx.session,
            ctx.actor(),
            c,
            reopen=f.get("outcome") == "reopen",
            note=str(f.get("note") or ""),
        ),
    )
