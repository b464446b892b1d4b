"""Parts pages: the public scan-to-verify page (the Digital Link resolver), the partner parts desk
with printable label sheets, and the staff part lookup."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from carecover.partners.enums import PartnerStatus, PartnerType
from carecover.partners.models import Partner
from carecover.parts import repository, service
from carecover.parts.errors import PartInputInvalid, PartNotFound
from carecover.parts.models import Part
from carecover.parts.service import digital_link as dl
from carecover.parts.service import labels
from carecover.parts.service.gs1 import SGTIN, PartsInputError
from carecover.platform.auth.roles import Permission, Role
from carecover.platform.errors import AppError, Forbidden
from carecover.platform.web.deps import (
    CheckedContext,
    PageContext,
    PartnerPage,
    WebContext,
    permission_required,
)
from carecover.vehicles import service as vehicles

router = APIRouter(include_in_schema=False)

PartsDesk = Annotated[WebContext, permission_required(Permission.customers_read)]
Tag = Annotated[str | None, Query(alias="s", max_length=40)]


def local_link(part: Part) -> str:
    """The resolver path on this server (what the QR's Digital Link resolves to)."""
    return f"/01/{part.gtin}/21/{part.serial}?s={part.tag}"


@router.get("/01/{gtin}/21/{serial}", response_model=None)
def verify_page(ctx: PageContext, gtin: str, serial: str, tag: Tag = None) -> Response:
    """Scan-to-verify, no sign-in: genuine or not, the proven chain of custody, and for a
    signed-in owner whether the part is in their car."""
    query = f"?s={tag}" if tag is not None else ""
    try:
        link = dl.parse(
            f"https://{service.resolver_host()}/01/{gtin}/21/{serial}{query}",
            host=service.resolver_host(),
        )
        sgtin, link_tag = link.sgtin, link.tag
    except PartsInputError:  # a malformed code answers like an unknown one
        sgtin, link_tag = None, None
    principal = ctx.principal
    owner = principal.user_id if principal is not None and principal.role is Role.owner else None
    outcome = service.scan(
        ctx.session,
        sgtin=sgtin,
        tag=link_tag,
        client=service.client_key(
            ctx.request.client.host if ctx.request.client else None,
            ctx.request.headers.get("user-agent"),
        ),
        owner_user_id=owner,
    )
    status = 200 if outcome.part is not None else 404
    return ctx.render(
        "parts/verify.html",
        outcome=outcome,
        level=outcome.assessment.level,
        reasons=[(r.code, dict(r.params)) for r in outcome.assessment.reasons],
        signed_in_owner=owner is not None,
        status_code=status,
    )


def _supplier(ctx: WebContext) -> Partner | None:
    org = ctx.principal.organisation_id if ctx.principal else None
    if org is None:
        return None
    partner = ctx.session.scalars(select(Partner).where(Partner.organisation_id == org)).first()
    if partner is None or partner.status is not PartnerStatus.active:
        return None
    return partner


def _desk(
    ctx: WebContext, *, notice: str | None = None, error: str | None = None, status_code: int = 200
) -> Response:
    assert ctx.principal is not None
    assert ctx.principal.organisation_id is not None
    org = ctx.principal.organisation_id
    partner = _supplier(ctx)
    sites = repository.org_sites(ctx.session, org)
    return ctx.render(
        "parts/desk.html",
        is_supplier=partner is not None and partner.partner_type is PartnerType.parts_supplier,
        sites=sites,
        held=repository.held_by(ctx.session, org),
        incoming=repository.incoming(ctx.session, [service.location_uri(s.id) for s in sites]),
        targets=repository.ship_targets(ctx.session, exclude_org=org),
        notice=notice,
        error=error,
        status_code=status_code,
    )


@router.get("/partner/parts", response_model=None)
def desk(ctx: PartnerPage) -> Response:
    if ctx.principal is None or ctx.principal.organisation_id is None:
        raise Forbidden()
    return _desk(ctx)


def _error_text(ctx: WebContext, exc: AppError) -> str:
    text = ctx.t(f"error.{exc.code}")
    rule = getattr(exc, "rule", None)
    if rule:
        rule_text = ctx.t(f"rule.{rule}")
        text += " " + (rule_text if rule_text != f"rule.{rule}" else str(exc.detail or rule))
    return text


async def _form(ctx: WebContext) -> dict[str, str]:
    return {k: v for k, v in (await ctx.request.form()).items() if isinstance(v, str)}


def _vehicle(ctx: WebContext, text: str) -> uuid.UUID:
    """The car a shop names by VIN or plate (as on its repair order), or by id."""
    value = text.strip()
    found = _uuid(value)
    if found is not None:
        return found
    car = vehicles.find_by_vin(ctx.session, value) or vehicles.find_by_plate(ctx.session, value)
    if car is None:
        raise PartInputInvalid("vehicle.unknown", "no vehicle has this VIN or plate")
    return car.id


def _uuid(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value or "")
    except ValueError:
        return None


@router.post("/partner/parts/commission", response_model=None)
async def commission_submit(ctx: CheckedContext) -> Response:
    if ctx.principal is None or not ctx.can(Permission.partner_portal):
        raise Forbidden()
    form = await _form(ctx)
    try:
        quantity = int(form.get("quantity", "0") or 0)
        site = _uuid(form.get("location_id"))
        if site is None:
            raise PartNotFound()
        parts = service.commission(
            ctx.session,
            ctx.actor(),
            service.Commission(
                gtin=form.get("gtin", ""),
                name=(form.get("name") or "").strip()[:120] or "—",
                quantity=quantity,
                location_id=site,
                part_number=(form.get("part_number") or "").strip()[:40] or None,
                lot=(form.get("lot") or "").strip()[:20] or None,
            ),
        )
    except (AppError, ValueError) as exc:
        ctx.session.rollback()
        text = _error_text(ctx, exc) if isinstance(exc, AppError) else str(exc)
        return _desk(ctx, error=text, status_code=422)
    ids = ",".join(str(p.id) for p in parts)
    return RedirectResponse(f"/partner/parts/labels?ids={ids}", status_code=303)


STEPS = ("ship", "receive", "install", "remove", "destroy")


@router.post("/partner/parts/{part_id}/{step}", response_model=None)
async def step_submit(ctx: CheckedContext, part_id: uuid.UUID, step: str) -> Response:
    if ctx.principal is None or not ctx.can(Permission.partner_portal) or step not in STEPS:
        raise Forbidden()
    form = await _form(ctx)
    actor = ctx.actor()
    try:
        site = _uuid(form.get("location_id"))
        if step == "ship":
            target = _uuid(form.get("to_location_id"))
            if target is None:
                raise PartNotFound()
            service.ship(ctx.session, actor, part_id, target)
        elif step == "install":
            vehicle = _vehicle(ctx, form.get("vehicle", ""))
            order = (form.get("repair_order") or "").strip() or None
            service.install(ctx.session, actor, part_id, vehicle, order)
        elif site is None:
            raise PartNotFound()
        elif step == "receive":
            service.receive(ctx.session, actor, part_id, site)
        elif step == "remove":
            service.remove(ctx.session, actor, part_id, site)
        else:
            service.destroy(ctx.session, actor, part_id, site)
    except AppError as exc:
        ctx.session.rollback()
        return _desk(ctx, error=_error_text(ctx, exc), status_code=exc.status_code)
    return _desk(ctx, notice=ctx.t("page.parts.recorded", step=ctx.t(f"page.parts.{step}")))


@router.get("/partner/parts/labels", response_model=None)
def label_sheet(ctx: PartnerPage, ids: Annotated[str, Query(max_length=20_000)] = "") -> Response:
    """A printable sheet of QR labels for parts the organisation supplied or holds."""
    org = ctx.principal.organisation_id if ctx.principal else None
    wanted = [u for u in (_uuid(x) for x in ids.split(",")[: service.MAX_BATCH]) if u]
    parts = [
        p
        for p in repository.by_ids(ctx.session, wanted)
        if org is not None and org in (p.supplier_org_id, p.holder_org_id)
    ]
    sheet = labels.label_sheet(
        [labels.LabelData(service.sgtin_of(p), service.link_for(p), p.name) for p in parts]
    )
    qr = {p.serial: labels.qr_svg(service.link_for(p), title=p.name) for p in parts}
    return ctx.render("parts/labels.html", rows=sheet, qr=qr)


@router.get("/staff/parts", response_model=None)
def staff_lookup(ctx: PartsDesk, q: Annotated[str, Query(max_length=2048)] = "") -> Response:
    """Find a part by its Digital Link or by GTIN + serial, and show its record."""
    part: Part | None = None
    error = None
    text = q.strip()
    if text:
        try:
            if text.startswith("https://"):
                sgtin = dl.parse(text, host=service.resolver_host(), allow_extra_params=True).sgtin
            else:
                gtin, _, serial = text.replace("/", " ").partition(" ")
                sgtin = SGTIN(gtin.strip(), serial.strip())
            part = service.find(ctx.session, sgtin.gtin, sgtin.serial)
        except PartsInputError as exc:
            error = f"{exc.code}: {exc.message}"
    details: dict[str, Any] = {}
    if part is not None:
        proven, size = service.prove(ctx.session, service.history(ctx.session, part.id))
        details = {
            "events": proven,
            "checkpoint_size": size,
            "scans": repository.recent_scans(ctx.session, part.id),
            "local_link": local_link(part),
        }
    return ctx.render(
        "parts/staff.html",
        q=text,
        part=part,
        error=error,
        not_found=bool(text) and part is None and error is None,
        **details,
    )
