"""Claims API for owners: first notice of loss with photos (multipart), the guided assessment
(which runs the fast track), more photos, a human review, reading one's claims and timeline."""

from __future__ import annotations

import uuid
from functools import partial
from typing import Annotated

from fastapi import APIRouter, File, Form, Response, UploadFile
from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from carecover.claims import service
from carecover.claims.models import Claim
from carecover.claims.schemas import (
    AssessmentIn,
    ClaimRead,
    EstimateRead,
    FnolCreate,
    TextIn,
    TimelineEntry,
)
from carecover.claims.service import assessment, desk, ocr, timeline
from carecover.claims.service.views import claim_read, estimate_read, timeline_read
from carecover.customers import repository as customers
from carecover.platform.auth.roles import Permission, Role, has_permission
from carecover.platform.auth.service import Principal
from carecover.platform.errors import FieldProblem, InvalidFields, NotFound, PayloadTooLarge
from carecover.platform.http.deps import ApiPrincipal, AppSettings, DbSession, ReqInfo, actor_of

router = APIRouter(tags=["claims"])


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
    # photo checks and OCR are CPU work: off the event loop
    claim, created = await run_in_threadpool(
        partial(
            service.report,
            session,
            actor_of(principal, info),
            service.FnolInput(**body.model_dump()),
            data,
            max_photo_bytes=settings.max_photo_bytes,
            reader=ocr.get_reader(settings.ocr_engine),
        )
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


def visible_claim(session: Session, principal: Principal, claim_id: uuid.UUID) -> Claim:
    claim = session.get(Claim, claim_id)
    if claim is None or not _visible(session, principal, claim):
        raise NotFound()
    return claim


class AssessmentResult(BaseModel):
    claim: ClaimRead
    estimate: EstimateRead


@router.post("/claims/{claim_id}/assessment", response_model=AssessmentResult)
def assess(
    session: DbSession,
    principal: ApiPrincipal,
    info: ReqInfo,
    claim_id: uuid.UUID,
    body: AssessmentIn,
) -> AssessmentResult:
    """Price the picked damage as the claim's estimate. The owner's first assessment is decided
    at once by the small-claim fast track (approved with a payout, or referred with reasons)."""
    claim = visible_claim(session, principal, claim_id)
    is_owner = principal.role is Role.owner
    if not is_owner:
        desk.require_adjuster(actor_of(principal, info))
    row = assessment.assess(
        session, actor_of(principal, info), claim, [i.model_dump() for i in body.items]
    )
    return AssessmentResult(
        claim=claim_read(session, claim, info.language),
        estimate=estimate_read(row, info.language),
    )


@router.get("/claims/{claim_id}/estimate", response_model=EstimateRead)
def current_estimate(
    session: DbSession, principal: ApiPrincipal, info: ReqInfo, claim_id: uuid.UUID
) -> EstimateRead:
    """The claim's one shared estimate, every line with where it came from."""
    row = assessment.current(session, visible_claim(session, principal, claim_id))
    if row is None:
        raise NotFound()
    return estimate_read(row, info.language)


@router.post("/claims/{claim_id}/photos", response_model=ClaimRead)
async def more_photos(
    session: DbSession,
    principal: ApiPrincipal,
    info: ReqInfo,
    settings: AppSettings,
    claim_id: uuid.UUID,
    photos: Annotated[list[UploadFile], File(description="JPEG, PNG or WebP photos")],
) -> ClaimRead:
    """Send the photos the adjuster asked for; the claim returns to the desk."""
    claim = visible_claim(session, principal, claim_id)
    data = await _read_photos(photos, settings.max_photo_bytes)
    service.add_photos(
        session, actor_of(principal, info), claim, data, max_photo_bytes=settings.max_photo_bytes
    )
    return claim_read(session, claim, info.language)


@router.post("/claims/{claim_id}/review", response_model=ClaimRead)
def ask_review(
    session: DbSession, principal: ApiPrincipal, info: ReqInfo, claim_id: uuid.UUID, body: TextIn
) -> ClaimRead:
    """The owner asks a person to review the decision (PIPL Art. 24)."""
    claim = visible_claim(session, principal, claim_id)
    desk.request_review(session, actor_of(principal, info), claim, body.text)
    return claim_read(session, claim, info.language)


@router.get("/claims/{claim_id}/timeline", response_model=list[TimelineEntry])
def claim_timeline(
    session: DbSession, principal: ApiPrincipal, info: ReqInfo, claim_id: uuid.UUID
) -> list[TimelineEntry]:
    """Every step so far; staff also see internal notes and assignments."""
    claim = visible_claim(session, principal, claim_id)
    staff = has_permission(principal.role, Permission.claims_handle)
    return timeline_read(timeline.events(session, claim, internal=staff), info.language)
