"""Parts API: commission serials, record custody steps, EPCIS capture, history and scans."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session

import carecover.parts.service.digital_link as dl
from carecover.parts import service
from carecover.parts.errors import PartInputInvalid
from carecover.parts.models import Part, PartEvent
from carecover.parts.schemas import (
    CaptureRead,
    CommissionCreate,
    InstallBody,
    PartEventRead,
    PartHistoryRead,
    PartRead,
    ReasonRead,
    RemoveBody,
    ScanBody,
    ScanRead,
    ShipBody,
    SiteBody,
)
from carecover.parts.service.gs1 import PartsInputError
from carecover.platform.auth.roles import Permission, Role
from carecover.platform.auth.service import Principal
from carecover.platform.http.deps import (
    DbSession,
    OptionalPrincipal,
    ReqInfo,
    actor_of,
    require,
)
from carecover.platform.i18n import translate

router = APIRouter(tags=["parts"])

PartnerUser = Annotated[Principal, Depends(require(Permission.partner_portal), scope="function")]


def part_read(part: Part) -> PartRead:
    return PartRead(
        id=part.id,
        gtin=part.gtin,
        serial=part.serial,
        name=part.name,
        part_number=part.part_number,
        lot=part.lot,
        state=part.state,
        epc=service.sgtin_of(part).epc_uri,
        digital_link=service.link_for(part),
        last_event_at=part.last_event_at,
        installed=part.state == "installed",
    )


def events_read(proven: list[service.ProvenEvent]) -> list[PartEventRead]:
    return [
        PartEventRead(
            biz_step=p.event.biz_step,
            event_time=p.event.event_time,
            record_time=p.event.record_time,
            event_hash=p.event.event_hash,
            leaf_index=p.leaf_index,
            proven=p.proven,
            event=p.event.document,
        )
        for p in proven
    ]


def event_read(session: Session, event: PartEvent) -> PartEventRead:
    """One just-recorded event (its proof shows once the log has sequenced it)."""
    return events_read(service.prove(session, [event])[0])[0]


@router.post("/parts", response_model=list[PartRead], status_code=201)
def commission(
    session: DbSession, principal: PartnerUser, info: ReqInfo, body: CommissionCreate
) -> list[PartRead]:
    """A parts supplier serialises a batch: random serials, tagged Digital Links, EPCIS events."""
    parts = service.commission(
        session,
        actor_of(principal, info),
        service.Commission(
            gtin=body.gtin,
            name=body.name,
            quantity=body.quantity,
            location_id=body.location_id,
            part_number=body.part_number,
            lot=body.lot,
        ),
    )
    return [part_read(p) for p in parts]


@router.post("/parts/{part_id}/ship", response_model=PartEventRead, status_code=201)
def ship(
    session: DbSession, principal: PartnerUser, info: ReqInfo, part_id: uuid.UUID, body: ShipBody
) -> PartEventRead:
    event = service.ship(session, actor_of(principal, info), part_id, body.to_location_id)
    return event_read(session, event)


@router.post("/parts/{part_id}/receive", response_model=PartEventRead, status_code=201)
def receive(
    session: DbSession, principal: PartnerUser, info: ReqInfo, part_id: uuid.UUID, body: SiteBody
) -> PartEventRead:
    event = service.receive(session, actor_of(principal, info), part_id, body.location_id)
    return event_read(session, event)


@router.post("/parts/{part_id}/install", response_model=PartEventRead, status_code=201)
def install(
    session: DbSession,
    principal: PartnerUser,
    info: ReqInfo,
    part_id: uuid.UUID,
    body: InstallBody,
) -> PartEventRead:
    event = service.install(
        session, actor_of(principal, info), part_id, body.vehicle_id, body.repair_order
    )
    return event_read(session, event)


@router.post("/parts/{part_id}/remove", response_model=PartEventRead, status_code=201)
def remove(
    session: DbSession,
    principal: PartnerUser,
    info: ReqInfo,
    part_id: uuid.UUID,
    body: RemoveBody,
) -> PartEventRead:
    event = service.remove(
        session, actor_of(principal, info), part_id, body.location_id, body.repair_order
    )
    return event_read(session, event)


@router.post("/parts/{part_id}/destroy", response_model=PartEventRead, status_code=201)
def destroy(
    session: DbSession, principal: PartnerUser, info: ReqInfo, part_id: uuid.UUID, body: SiteBody
) -> PartEventRead:
    event = service.destroy(session, actor_of(principal, info), part_id, body.location_id)
    return event_read(session, event)


@router.post(
    "/parts/epcis/capture",
    response_model=CaptureRead,
    status_code=201,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/ld+json": {"schema": {"type": "object"}}},
        }
    },
)
async def capture(
    request: Request, session: DbSession, principal: PartnerUser, info: ReqInfo
) -> CaptureRead:
    """Submit an EPCIS 2.0 document (JSON-LD). All events are checked before any is recorded;
    one refused event refuses the document."""
    data = await request.body()
    result = service.capture(session, actor_of(principal, info), data)
    return CaptureRead(events=result.events, recorded=result.recorded, duplicates=result.duplicates)


@router.get("/parts/{part_id}", response_model=PartHistoryRead)
def part_history(
    session: DbSession, _principal: PartnerUser, part_id: uuid.UUID
) -> PartHistoryRead:
    """A part and its custody history, each event with its place on the evidence log."""
    part = service.get_part(session, part_id)
    proven, size = service.prove(session, service.history(session, part.id))
    return PartHistoryRead(part=part_read(part), checkpoint_size=size, events=events_read(proven))


@router.post("/parts/scans", response_model=ScanRead)
def scan(
    request: Request,
    session: DbSession,
    principal: OptionalPrincipal,
    info: ReqInfo,
    body: ScanBody,
) -> ScanRead:
    """Scan-to-verify (no sign-in needed): genuine or not, with reasons and the proven history."""
    try:
        link = dl.parse(body.uri, host=service.resolver_host(), allow_extra_params=True)
    except PartsInputError as exc:
        raise PartInputInvalid(exc.code, exc.message, field="uri") from exc
    owner = principal.user_id if principal is not None and principal.role is Role.owner else None
    outcome = service.scan(
        session,
        sgtin=link.sgtin,
        tag=link.tag,
        client=service.client_key(
            request.client.host if request.client else None, request.headers.get("user-agent")
        ),
        city=body.city,
        lat=body.lat,
        lon=body.lon,
        owner_user_id=owner,
    )
    return scan_read(outcome, info.language)


def scan_read(outcome: service.ScanOutcome, lang: str) -> ScanRead:
    return ScanRead(
        level=outcome.assessment.level,
        score=outcome.assessment.score,
        reasons=[
            ReasonRead(
                code=r.code,
                params=dict(r.params),
                text=translate(f"clone.{r.code}", lang, **r.params),
            )
            for r in outcome.assessment.reasons
        ],
        part=part_read(outcome.part) if outcome.part is not None else None,
        events=events_read(outcome.events),
        checkpoint_size=outcome.checkpoint_size,
        installed_in_your_car=outcome.installed_in_yours,
    )
