"""Repair-shop pages: offered and active repair orders, accepting or declining, posting milestones
with a photo and the serials of fitted parts, and proposing a supplement with the same picker."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from fastapi import APIRouter
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import Select, select
from starlette.datastructures import FormData, UploadFile

from carecover.claims.api.repair import parse_serials
from carecover.claims.enums import Milestone, RepairStatus
from carecover.claims.models import Claim, RepairOrder
from carecover.claims.service import assessment, repair, supplements, views
from carecover.claims.web import common
from carecover.partners.models import Partner
from carecover.platform.crypto import mask_plate
from carecover.platform.errors import AppError, FieldProblem, InvalidFields, NotFound
from carecover.platform.web.deps import CheckedContext, PartnerPage, WebContext
from carecover.vehicles.models import Vehicle
from carecover.vehicles.service import plate_of

router = APIRouter(include_in_schema=False)
WORKING = (RepairStatus.accepted, RepairStatus.in_repair, RepairStatus.ready)


def _mine(ctx: WebContext) -> Select[RepairOrder]:
    """The signed-in shop's repair orders."""
    org = ctx.principal.organisation_id if ctx.principal else None
    return (
        select(RepairOrder)
        .join(Partner, Partner.id == RepairOrder.partner_id)
        .where(Partner.organisation_id == org)
    )


def _orders(ctx: WebContext) -> list[RepairOrder]:
    return list(ctx.session.scalars(_mine(ctx).order_by(RepairOrder.offered_at.desc()).limit(200)))


def _order(ctx: WebContext, order_id: uuid.UUID) -> RepairOrder:
    order = ctx.session.scalars(_mine(ctx).where(RepairOrder.id == order_id)).first()
    if order is None:
        raise NotFound()
    return order


@router.get("/partner/repairs", response_model=None)
def repairs_page(ctx: PartnerPage) -> Response:
    return ctx.render(
        "claims/repairs.html", orders=[views.order_read(ctx.session, o) for o in _orders(ctx)]
    )


def _page(
    ctx: WebContext, order: RepairOrder, *, error: str | None = None, status: int = 200
) -> Response:
    claim = ctx.session.get(Claim, order.claim_id)
    assert claim is not None
    car = ctx.session.get(Vehicle, claim.vehicle_id)
    plate = plate_of(car) if car else None
    row = assessment.current(ctx.session, claim)
    done = [m.kind for m in repair.milestones(ctx.session, order)]
    start = list(Milestone).index(done[-1]) + 1 if done else 0
    return ctx.render(
        "claims/repair.html",
        order=views.order_read(ctx.session, order),
        car=car,
        plate=mask_plate(plate) if plate else None,
        estimate=views.estimate_read(row, ctx.lang) if row else None,
        pending=supplements.pending(ctx.session, claim) is not None,
        next_milestones=list(Milestone)[start:],
        working=order.status in WORKING,
        assess=common.assessment_args(ctx),
        selected={i["part"]: (i["damage"], i["severity"]) for i in (row.items if row else [])},
        yuan=views.yuan,
        error=error,
        status_code=status,
    )


@router.get("/partner/repairs/{order_id}", response_model=None)
def repair_page(ctx: PartnerPage, order_id: uuid.UUID) -> Response:
    return _page(ctx, _order(ctx, order_id))


async def _act(
    ctx: WebContext, order_id: uuid.UUID, step: Callable[[FormData], object]
) -> Response:
    _order(ctx, order_id)
    form = await ctx.request.form()
    try:
        result = step(form)
        if hasattr(result, "__await__"):
            await result
    except AppError as exc:
        ctx.session.rollback()
        return _page(ctx, _order(ctx, order_id), error=common.error_text(ctx, exc), status=422)
    return RedirectResponse(f"/partner/repairs/{order_id}", status_code=303)


@router.post("/partner/repairs/{order_id}/respond", response_model=None)
async def respond(ctx: CheckedContext, order_id: uuid.UUID) -> Response:
    return await _act(
        ctx,
        order_id,
        lambda f: repair.respond(
            ctx.session,
            ctx.actor(),
            order_id,
            accept=f.get("answer") == "accept",
            reason=str(f.get("reason") or ""),
        ),
    )


@router.post("/partner/repairs/{order_id}/milestone", response_model=None)
async def milestone(ctx: CheckedContext, order_id: uuid.UUID) -> Response:
    limit = ctx.settings.max_photo_bytes

    async def post(form: FormData) -> None:
        kind = str(form.get("kind") or "")
        if kind not in Milestone.__members__:
            raise InvalidFields(FieldProblem("kind", "claim.parts_format"))
        upload = form.get("photo")
        data = None
        if isinstance(upload, UploadFile) and upload.filename:
            data = await upload.read(limit + 1)
        repair.post_milestone(
            ctx.session,
            ctx.actor(),
            order_id,
            Milestone(kind),
            note=str(form.get("note") or ""),
            photo=data,
            serials=parse_serials(str(form.get("parts") or "")),
            max_photo_bytes=limit,
        )

    return await _act(ctx, order_id, post)


@router.post("/partner/repairs/{order_id}/supplement", response_model=None)
async def supplement(ctx: CheckedContext, order_id: uuid.UUID) -> Response:
    return await _act(
        ctx,
        order_id,
        lambda f: supplements.propose(ctx.session, ctx.actor(), order_id, common.form_items(f)),
    )
