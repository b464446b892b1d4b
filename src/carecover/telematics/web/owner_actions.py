"""The owner's one-tap answers to an alert or a reminder: book at this shop, request rescue, find
a charger, start a claim from a crash. ``POST /owner/cars/{id}/care-requests`` takes ``kind``
and optionally ``alert_id``, ``reminder_key`` and ``location_id`` (maintenance reminders link
here too); repeated taps return the first request. A crash claim opens the claim form with the
crash's time and place filled in; the owner adds photos and what happened."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from carecover.platform.errors import AppError, FieldProblem, Forbidden, InvalidFields
from carecover.platform.web.deps import CheckedContext, OwnerPage, WebContext
from carecover.telematics.models import CareRequest
from carecover.telematics.service import care
from carecover.telematics.service.care import CareKind

router = APIRouter(include_in_schema=False)


def _error(ctx: WebContext, exc: AppError) -> str:
    if isinstance(exc, InvalidFields):
        return " ".join(ctx.t(f"invalid.{p.code}", **p.params) for p in exc.problems)
    return ctx.t(f"error.{exc.code}")


def _uuid(form: FormData, name: str) -> uuid.UUID | None:
    text = str(form.get(name) or "").strip()
    if not text:
        return None
    try:
        return uuid.UUID(text)
    except ValueError:
        raise InvalidFields(FieldProblem(name, "telematics.care.bad_id")) from None


def _owner(ctx: WebContext) -> None:
    if ctx.principal is None or ctx.principal.role.value != "owner":
        raise Forbidden()


def _base(vehicle_id: uuid.UUID) -> str:
    return f"/owner/cars/{vehicle_id}/care-requests"


@router.post("/owner/cars/{vehicle_id}/care-requests", response_model=None)
async def request_care(ctx: CheckedContext, vehicle_id: uuid.UUID) -> Response:
    _owner(ctx)
    form = await ctx.request.form()
    kind_text = str(form.get("kind") or "")
    try:
        if kind_text not in CareKind.__members__:
            raise InvalidFields(FieldProblem("kind", "telematics.care.kind_unknown"))
        row, _ = care.request(
            ctx.session,
            ctx.actor(),
            vehicle_id,
            CareKind(kind_text),
            alert_id=_uuid(form, "alert_id"),
            reminder_key=str(form.get("reminder_key") or "") or None,
            location_id=_uuid(form, "location_id"),
        )
    except InvalidFields as exc:
        ctx.session.rollback()
        return ctx.render(
            "telematics/care_request.html", row=None, error=_error(ctx, exc), status_code=422
        )
    if row.kind == CareKind.claim:
        return RedirectResponse(f"{_base(vehicle_id)}/{row.id}/claim", status_code=303)
    if ctx.is_htmx:
        return ctx.render("telematics/_care_done.html", row=row)
    return RedirectResponse(f"{_base(vehicle_id)}/{row.id}", status_code=303)


def _get(ctx: WebContext, vehicle_id: uuid.UUID, request_id: uuid.UUID) -> CareRequest:
    return care.get_for(ctx.session, ctx.actor(), vehicle_id, request_id)


@router.get("/owner/cars/{vehicle_id}/care-requests/{request_id}", response_model=None)
def care_request_page(ctx: OwnerPage, vehicle_id: uuid.UUID, request_id: uuid.UUID) -> Response:
    return ctx.render("telematics/care_request.html", row=_get(ctx, vehicle_id, request_id))


def _claim_form(
    ctx: WebContext, row: CareRequest, *, error: str | None = None, status_code: int = 200
) -> Response:
    prefill = care.claim_prefill(ctx.session, row)
    return ctx.render(
        "telematics/claim_start.html",
        row=row,
        prefill=prefill,
        when_local=f"{prefill.occurred_at.astimezone(care.BEIJING):%Y-%m-%d %H:%M} (UTC+8)",
        idempotency_key=f"care-{row.id}",
        error=error,
        status_code=status_code,
    )


@router.get("/owner/cars/{vehicle_id}/care-requests/{request_id}/claim", response_model=None)
def claim_form(ctx: OwnerPage, vehicle_id: uuid.UUID, request_id: uuid.UUID) -> Response:
    row = _get(ctx, vehicle_id, request_id)
    if row.claim_id is not None:
        return RedirectResponse(f"/owner/claims/{row.claim_id}", status_code=303)
    return _claim_form(ctx, row)


@router.post("/owner/cars/{vehicle_id}/care-requests/{request_id}/claim", response_model=None)
async def file_claim(ctx: CheckedContext, vehicle_id: uuid.UUID, request_id: uuid.UUID) -> Response:
    """File the crash claim (claims service, telematics source) with the owner's photos."""
    _owner(ctx)
    row = _get(ctx, vehicle_id, request_id)
    form = await ctx.request.form()
    limit = ctx.settings.max_photo_bytes
    uploads = [f for f in form.getlist("photos") if isinstance(f, UploadFile) and f.filename]
    photos = [await f.read(limit + 1) for f in uploads]
    try:
        claim = await run_in_threadpool(  # photo checks: off the event loop
            care.file_claim,
            ctx.session,
            ctx.actor(),
            row,
            description=str(form.get("description") or ""),
            photos=photos,
            idempotency_key=str(form.get("idempotency_key") or ""),
            max_photo_bytes=limit,
            place=str(form.get("place") or "") or None,
        )
    except AppError as exc:
        ctx.session.rollback()
        return _claim_form(ctx, row, error=_error(ctx, exc), status_code=422)
    return RedirectResponse(f"/owner/claims/{claim.id}", status_code=303)
