"""Owner pages for claims: report a loss with photos, assess the damage on the car diagram (the
fast track decides at once), follow the decision, payout, repair and timeline, ask for a review."""

from __future__ import annotations

import inspect
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from fastapi import APIRouter
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from carecover.claims import service
from carecover.claims.enums import Settlement
from carecover.claims.models import Claim, ClaimPhoto
from carecover.claims.service import assessment, desk, ocr, repair
from carecover.claims.web import common
from carecover.customers import repository as customers
from carecover.platform.errors import AppError, FieldProblem, Forbidden, InvalidFields, NotFound
from carecover.platform.web.deps import CheckedContext, OwnerPage, WebContext
from carecover.vehicles.models import Vehicle

router = APIRouter(include_in_schema=False)
BEIJING = timezone(timedelta(hours=8))


def _owner_id(ctx: WebContext) -> uuid.UUID | None:
    if ctx.principal is None:
        return None
    owner = customers.get_by_user(ctx.session, ctx.principal.user_id)
    return owner.id if owner else None


def _cars(ctx: WebContext) -> list[Vehicle]:
    owner = _owner_id(ctx)
    if owner is None:
        return []
    return list(ctx.session.scalars(select(Vehicle).where(Vehicle.owner_id == owner)))


def _claim(ctx: WebContext, claim_id: uuid.UUID) -> Claim:
    claim = ctx.session.get(Claim, claim_id)
    if claim is None or claim.customer_id != _owner_id(ctx):
        raise NotFound()
    return claim


@router.get("/owner/claims", response_model=None)
def my_claims(ctx: OwnerPage) -> Response:
    owner = _owner_id(ctx)
    claims = (
        list(
            ctx.session.scalars(
                select(Claim).where(Claim.customer_id == owner).order_by(Claim.reported_at.desc())
            )
        )
        if owner
        else []
    )
    return ctx.render("claims/list.html", claims=claims)


def _form_page(ctx: WebContext, *, error: str | None = None, status_code: int = 200) -> Response:
    now = datetime.now(BEIJING).strftime("%Y-%m-%dT%H:%M")
    return ctx.render(
        "claims/new.html",
        cars=_cars(ctx),
        now=now,
        error=error,
        idempotency_key=uuid.uuid4().hex,
        status_code=status_code,
    )


@router.get("/owner/claims/new", response_model=None)
def new_claim(ctx: OwnerPage) -> Response:
    return _form_page(ctx)


def _error(ctx: WebContext, exc: AppError) -> str:
    if isinstance(exc, InvalidFields):
        return " ".join(ctx.t(f"invalid.{p.code}", **p.params) for p in exc.problems)
    return ctx.t(f"error.{exc.code}")


def _coordinate(value: object, bound: int) -> float | None:
    """A device coordinate from the form (decimal degrees), or None when absent."""
    text = str(value or "").strip()
    if not text:
        return None
    number = float(text)
    if not -bound <= number <= bound or number != number:
        raise ValueError("coordinate out of range")
    return number


@router.post("/owner/claims", response_model=None)
async def submit_claim(ctx: CheckedContext) -> Response:
    if ctx.principal is None or ctx.principal.role.value != "owner":
        raise Forbidden()
    form = await ctx.request.form()
    photos = [f for f in form.getlist("photos") if isinstance(f, UploadFile)]
    limit = ctx.settings.max_photo_bytes
    try:
        when = datetime.fromisoformat(str(form.get("occurred_at", ""))).replace(tzinfo=BEIJING)
        data = [await f.read(limit + 1) for f in photos if f.filename]
        claim, _ = await run_in_threadpool(  # photo checks and OCR: off the event loop
            service.report,
            ctx.session,
            ctx.actor(),
            service.FnolInput(
                vehicle_id=uuid.UUID(str(form.get("vehicle_id", ""))),
                occurred_at=when,
                description=str(form.get("description", "")).strip()[:2000] or "—",
                idempotency_key=str(form.get("idempotency_key", ""))[:64],
                place=str(form.get("place", "")).strip()[:200] or None,
                lat=_coordinate(form.get("lat"), 90),
                lng=_coordinate(form.get("lng"), 180),
                other_parties=min(20, max(0, int(str(form.get("other_parties") or 0)))),
                police_report_no=str(form.get("police_report_no", "")).strip()[:40] or None,
            ),
            data,
            max_photo_bytes=limit,
            reader=ocr.get_reader(ctx.settings.ocr_engine),
        )
    except (AppError, ValueError) as exc:
        ctx.session.rollback()
        text = _error(ctx, exc) if isinstance(exc, AppError) else ctx.t("error.validation_failed")
        return _form_page(ctx, error=text, status_code=422)
    return RedirectResponse(f"/owner/claims/{claim.id}", status_code=303)


def _page(
    ctx: WebContext, claim: Claim, *, error: str | None = None, status_code: int = 200
) -> Response:
    photos = ctx.session.scalars(
        select(ClaimPhoto).where(ClaimPhoto.claim_id == claim.id).order_by(ClaimPhoto.seq)
    ).all()
    routable = (
        claim.status in repair.ROUTABLE
        and claim.settlement is Settlement.repair
        and repair.live_order(ctx.session, claim) is None
    )
    return ctx.render(
        "claims/claim.html",
        common.claim_parts(ctx, claim, internal=False),
        photos=photos,
        description=service.description_of(claim),
        place=service.place_of(claim),
        retake_codes=service.RETAKE_CODES,
        assess=common.assessment_args(ctx),
        detector=common.detector_code(ctx),
        shops=repair.shops_for(ctx.session, claim, limit=8) if routable else [],
        error=error,
        status_code=status_code,
    )


@router.get("/owner/claims/{claim_id}", response_model=None)
def claim_page(ctx: OwnerPage, claim_id: uuid.UUID) -> Response:
    return _page(ctx, _claim(ctx, claim_id))


@router.get("/owner/claims/{claim_id}/timeline", response_model=None)
def claim_timeline(ctx: OwnerPage, claim_id: uuid.UUID) -> Response:
    """The live part of the claim page (status, payout, repair, timeline), polled by HTMX."""
    claim = _claim(ctx, claim_id)
    return ctx.render("claims/_live.html", common.claim_parts(ctx, claim, internal=False))


async def _act(
    ctx: WebContext, claim_id: uuid.UUID, step: Callable[[Claim, FormData], object]
) -> Response:
    if ctx.principal is None or ctx.principal.role.value != "owner":
        raise Forbidden()
    claim = _claim(ctx, claim_id)
    form = await ctx.request.form()
    try:
        result = step(claim, form)
        if inspect.isawaitable(result):
            await result
    except AppError as exc:
        ctx.session.rollback()
        return _page(ctx, _claim(ctx, claim_id), error=common.error_text(ctx, exc), status_code=422)
    return RedirectResponse(f"/owner/claims/{claim_id}", status_code=303)


@router.post("/owner/claims/{claim_id}/assessment", response_model=None)
async def owner_assess(ctx: CheckedContext, claim_id: uuid.UUID) -> Response:
    """The owner's guided assessment; the fast track decides at once."""
    return await _act(
        ctx,
        claim_id,
        lambda claim, form: assessment.assess(
            ctx.session, ctx.actor(), claim, common.form_items(form)
        ),
    )


@router.post("/owner/claims/{claim_id}/review", response_model=None)
async def owner_review(ctx: CheckedContext, claim_id: uuid.UUID) -> Response:
    return await _act(
        ctx,
        claim_id,
        lambda claim, form: desk.request_review(
            ctx.session, ctx.actor(), claim, str(form.get("text") or "")
        ),
    )


@router.post("/owner/claims/{claim_id}/repair", response_model=None)
async def owner_choose_shop(ctx: CheckedContext, claim_id: uuid.UUID) -> Response:
    def choose(claim: Claim, form: FormData) -> object:
        try:
            site = uuid.UUID(str(form.get("location_id") or ""))
        except ValueError:
            raise InvalidFields(FieldProblem("location_id", "claim.shop_not_qualified")) from None
        return repair.choose_shop(ctx.session, ctx.actor(), claim, site)

    return await _act(ctx, claim_id, choose)


@router.post("/owner/claims/{claim_id}/photos", response_model=None)
async def owner_more_photos(ctx: CheckedContext, claim_id: uuid.UUID) -> Response:
    limit = ctx.settings.max_photo_bytes

    async def add(claim: Claim, form: FormData) -> None:
        files = [f for f in form.getlist("photos") if isinstance(f, UploadFile) and f.filename]
        data = [await f.read(limit + 1) for f in files]
        service.add_photos(ctx.session, ctx.actor(), claim, data, max_photo_bytes=limit)

    return await _act(ctx, claim_id, add)


@router.get("/owner/claims/{claim_id}/photos/{seq}", response_model=None)
def claim_photo(ctx: OwnerPage, claim_id: uuid.UUID, seq: int) -> Response:
    claim = _claim(ctx, claim_id)
    photo = ctx.session.scalars(
        select(ClaimPhoto).where(ClaimPhoto.claim_id == claim.id, ClaimPhoto.seq == seq)
    ).first()
    if photo is None:
        raise NotFound()
    return Response(
        photo.content,
        media_type="image/jpeg",
        headers={"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"},
    )
