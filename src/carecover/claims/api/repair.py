"""Claims API for repair: certified-shop options and the choice (owner or adjuster), and the
shop's side — orders, accept/decline, milestones with photos and part serials, supplements."""

from __future__ import annotations

import json
import uuid
from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile
from sqlalchemy import select

from carecover.claims.api.reports import visible_claim
from carecover.claims.enums import Milestone
from carecover.claims.models import Claim, RepairOrder
from carecover.claims.schemas import (
    AssessmentIn,
    ChooseShopIn,
    RepairOrderRead,
    RespondIn,
    ShopRead,
    SupplementRead,
)
from carecover.claims.service import assessment, desk, repair, supplements
from carecover.claims.service.views import order_read, supplement_read
from carecover.partners.models import Partner
from carecover.platform.auth.roles import Role
from carecover.platform.errors import FieldProblem, Forbidden, InvalidFields, PayloadTooLarge
from carecover.platform.http.deps import ApiPrincipal, AppSettings, DbSession, ReqInfo, actor_of

router = APIRouter(tags=["claims repair"])


@router.get("/claims/{claim_id}/shops", response_model=list[ShopRead])
def shops(session: DbSession, principal: ApiPrincipal, claim_id: uuid.UUID) -> list[ShopRead]:
    """The nearest qualified certified shops (an NEV only goes to its brand's authorised shops)."""
    claim = visible_claim(session, principal, claim_id)
    return [
        ShopRead(
            location_id=o.location.id,
            partner_id=o.partner.id,
            name=o.location.name,
            address=o.location.address,
            distance_km=o.distance_km,
            nev_brand=o.nev_brand,
        )
        for o in repair.shops_for(session, claim)
    ]


@router.post("/claims/{claim_id}/repair", response_model=RepairOrderRead, status_code=201)
def choose_shop(
    session: DbSession,
    principal: ApiPrincipal,
    info: ReqInfo,
    claim_id: uuid.UUID,
    body: ChooseShopIn,
) -> RepairOrderRead:
    claim = visible_claim(session, principal, claim_id)
    if principal.role is not Role.owner:
        desk.require_adjuster(actor_of(principal, info))
    order = repair.choose_shop(session, actor_of(principal, info), claim, body.location_id)
    return order_read(session, order)


@router.get("/claims/{claim_id}/repair", response_model=list[RepairOrderRead])
def claim_repairs(
    session: DbSession, principal: ApiPrincipal, claim_id: uuid.UUID
) -> list[RepairOrderRead]:
    claim = visible_claim(session, principal, claim_id)
    return [order_read(session, o) for o in repair.orders(session, claim)]


@router.get("/repairs", response_model=list[RepairOrderRead])
def my_repairs(session: DbSession, principal: ApiPrincipal) -> list[RepairOrderRead]:
    """The calling shop's repair orders, newest first."""
    if principal.organisation_id is None:
        raise Forbidden()
    rows = session.scalars(
        select(RepairOrder)
        .join(Partner, Partner.id == RepairOrder.partner_id)
        .where(Partner.organisation_id == principal.organisation_id)
        .order_by(RepairOrder.offered_at.desc())
        .limit(200)
    ).all()
    return [order_read(session, o) for o in rows]


@router.post("/repairs/{order_id}/respond", response_model=RepairOrderRead)
def respond(
    session: DbSession,
    principal: ApiPrincipal,
    info: ReqInfo,
    order_id: uuid.UUID,
    body: RespondIn,
) -> RepairOrderRead:
    order = repair.respond(
        session, actor_of(principal, info), order_id, accept=body.accept, reason=body.reason
    )
    return order_read(session, order)


def parse_serials(text: str) -> list[tuple[str, str]]:
    """Fitted parts as JSON [{"gtin": …, "serial": …}] or one "GTIN SERIAL" per line."""
    text = text.strip()
    if not text:
        return []
    if text.startswith("["):
        try:
            rows = json.loads(text)
            return [(str(r["gtin"]), str(r["serial"])) for r in rows]
        except (ValueError, KeyError, TypeError):
            raise InvalidFields(FieldProblem("parts", "claim.parts_format")) from None
    out = []
    for n, line in enumerate(ln for ln in text.splitlines() if ln.strip()):
        fields = line.replace(",", " ").split()
        if len(fields) != 2:
            raise InvalidFields(FieldProblem(f"parts.{n}", "claim.parts_format"))
        out.append((fields[0], fields[1]))
    return out


@router.post("/repairs/{order_id}/milestones", response_model=RepairOrderRead)
async def post_milestone(
    session: DbSession,
    principal: ApiPrincipal,
    info: ReqInfo,
    settings: AppSettings,
    order_id: uuid.UUID,
    kind: Annotated[Milestone, Form()],
    note: Annotated[str, Form(max_length=500)] = "",
    parts: Annotated[str, Form(max_length=4000, description="fitted parts")] = "",
    photo: Annotated[UploadFile | None, File()] = None,
) -> RepairOrderRead:
    """Post the next milestone; "parts_replaced" names the serialised parts fitted."""
    data = None
    if photo is not None and photo.filename:
        data = await photo.read(settings.max_photo_bytes + 1)
        if len(data) > settings.max_photo_bytes:
            raise PayloadTooLarge(None, limit=settings.max_photo_bytes, field="photo")
    repair.post_milestone(
        session,
        actor_of(principal, info),
        order_id,
        kind,
        note=note,
        photo=data,
        serials=parse_serials(parts),
        max_photo_bytes=settings.max_photo_bytes,
    )
    return order_read(session, repair.require_order(session, order_id))


@router.post("/repairs/{order_id}/supplement", response_model=SupplementRead, status_code=201)
def propose_supplement(
    session: DbSession,
    principal: ApiPrincipal,
    info: ReqInfo,
    order_id: uuid.UUID,
    body: AssessmentIn,
) -> SupplementRead:
    """The shop's counter-quote (what it found), priced with the same guided assessment."""
    row = supplements.propose(
        session, actor_of(principal, info), order_id, [i.model_dump() for i in body.items]
    )
    order = repair.require_order(session, order_id)
    claim = session.get(Claim, order.claim_id)
    assert claim is not None
    base = assessment.current(session, claim)
    assert base is not None
    return supplement_read(base, row, info.language)
