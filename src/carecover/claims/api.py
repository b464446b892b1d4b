"""Claims API: first notice of loss with photos (multipart), reading one's claims."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, File, Form, Response, UploadFile
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from carecover.claims import service
from carecover.claims.models import Claim, ClaimPhoto
from carecover.claims.schemas import ClaimRead, FnolCreate, PhotoRead
from carecover.customers import repository as customers
from carecover.platform.auth.roles import Permission, Role, has_permission
from carecover.platform.auth.service import Principal
from carecover.platform.errors import FieldProblem, InvalidFields, NotFound, PayloadTooLarge
from carecover.platform.http.deps import ApiPrincipal, AppSettings, DbSession, ReqInfo, actor_of
from carecover.platform.i18n import translate

router = APIRouter(tags=["claims"])


def photo_read(photo: ClaimPhoto, lang: str) -> PhotoRead:
    retake = [
        translate(f"claim.retake.{f['code']}", lang)
        for f in photo.flags
        if f.get("code") in service.RETAKE_CODES
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
        place=service.place_of(claim),
        description=service.description_of(claim),
        other_parties=claim.other_parties,
        police_report_no=claim.police_report_no,
        flags=claim.flags,
        photos=[photo_read(p, lang) for p in photos],
    )


async def _read_photos(files: list[UploadFile], limit: int) -> list[bytes]:
    out = []
    for n, upload in enumerate(files):
        data = await upload.read(limit + 1)
        if len(data) > limit:
            raise PayloadTooLarge(None, limit=limit, field=f"photos.{n}")
        out.append(data)
    return out


@router.post("/claims", response_model=ClaimRead, status_code=201)
async def report(
    response: Response,
    session: DbSession,
    principal: ApiPrincipal,
    info: ReqInfo,
    settings: AppSettings,
    report: Annotated[str, Form(description="the FnolCreate JSON document")],
    photos: Annotated[list[UploadFile], File(description="JPEG, PNG or WebP photos")],
) -> ClaimRead:
    """File a first notice of loss. The same ``idempotency_key`` returns the first claim (200)."""
    try:
        body = FnolCreate.model_validate_json(report)
    except ValidationError as exc:
        problems = [
            FieldProblem(".".join(str(p) for p in err["loc"]) or "report", "claim.report_invalid")
            for err in exc.errors()
        ]
        raise InvalidFields(*problems) from exc
    data = await _read_photos(photos, settings.max_photo_bytes)
    claim, created = service.report(
        session,
        actor_of(principal, info),
        service.FnolInput(**body.model_dump()),
        data,
        max_photo_bytes=settings.max_photo_bytes,
    )
    if not created:
        response.status_code = 200
    return claim_read(session, claim, info.language)


def _visible(session: Session, principal: Principal, claim: Claim) -> bool:
    if principal.role is Role.owner:
        owner = customers.get_by_user(session, principal.user_id)
        return owner is not None and owner.id == claim.customer_id
    return has_permission(principal.role, Permission.customers_read)


@router.get("/claims/{claim_id}", response_model=ClaimRead)
def get_claim(
    session: DbSession, principal: ApiPrincipal, info: ReqInfo, claim_id: uuid.UUID
) -> ClaimRead:
    claim = session.get(Claim, claim_id)
    if claim is None or not _visible(session, principal, claim):
        raise NotFound()
    return claim_read(session, claim, info.language)


@router.get("/me/claims", response_model=list[ClaimRead])
def my_claims(session: DbSession, principal: ApiPrincipal, info: ReqInfo) -> list[ClaimRead]:
    owner = customers.get_by_user(session, principal.user_id)
    if owner is None:
        return []
    rows = session.scalars(
        select(Claim).where(Claim.customer_id == owner.id).order_by(Claim.reported_at.desc())
    ).all()
    return [claim_read(session, c, info.language) for c in rows]
