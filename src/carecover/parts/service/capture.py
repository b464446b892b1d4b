"""EPCIS 2.0 capture: partners submit whole documents from their own systems.

The document is parsed strictly and validated against the GS1 schema; then every event is checked
— known parts, the submitter's right to record each step, the custody rules — before anything is
written. One bad event rejects the document and nothing is appended. Events already recorded
(same CBV 2.0 hash ID, whatever ``eventID`` they carry) are skipped, so resubmitting is safe.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from carecover.partners.models import Partner, PartnerLocation
from carecover.parts.errors import EpcisInvalid, NotPartsHolder, PartInputInvalid
from carecover.parts.models import Part, PartEvent
from carecover.parts.service.custody import CustodyKind
from carecover.parts.service.custody_log import epcs_of, location_id_of, record_event, step_of
from carecover.parts.service.epcis.documents import parse_document
from carecover.parts.service.epcis.errors import EpcisError
from carecover.parts.service.gs1 import SGTIN, PartsInputError
from carecover.platform.clock import utc_now
from carecover.platform.context import Actor


@dataclass(frozen=True)
class CaptureResult:
    events: int
    recorded: int
    duplicates: int


def _site_org(session: Session, uri: str | None) -> uuid.UUID | None:
    site_id = location_id_of(uri)
    site = session.get(PartnerLocation, site_id) if site_id else None
    partner = session.get(Partner, site.partner_id) if site is not None else None
    return partner.organisation_id if partner is not None else None


def _parts(session: Session, event: dict[str, Any], pointer: str) -> list[Part]:
    parts: list[Part] = []
    epcs = epcs_of(event)
    if len(set(epcs)) != len(epcs):
        raise EpcisInvalid(
            "epcis.duplicate_epc", "the same EPC is listed twice in one event", pointer=pointer
        )
    for n, epc in enumerate(epcs):
        try:
            sgtin = SGTIN.parse_epc(epc)
        except PartsInputError as exc:
            raise PartInputInvalid(exc.code, exc.message, pointer=f"{pointer}/{n}") from exc
        part = session.scalars(
            select(Part).where(Part.gtin == sgtin.gtin, Part.serial == sgtin.serial)
        ).first()
        if part is None:
            raise PartInputInvalid(
                "part.unknown",
                f"{epc} was never commissioned here (commission serials before recording them)",
                pointer=f"{pointer}/{n}",
            )
        parts.append(part)
    return parts


def capture(session: Session, actor: Actor, data: bytes) -> CaptureResult:
    """Record every event of an EPCIS document for the submitting organisation."""
    org = actor.organisation_id
    if org is None:
        raise NotPartsHolder("only partner organisations submit EPCIS documents")
    try:
        document = parse_document(data, now=utc_now())
    except EpcisError as exc:
        raise EpcisInvalid(exc.cause_code or exc.code, exc.message, pointer=exc.pointer) from exc
    recorded = 0
    duplicates = 0
    for n, event in enumerate(document.events):
        pointer = f"/epcisBody/eventList/{n}"
        if "errorDeclaration" in event:
            raise EpcisInvalid(
                "epcis.error_declaration_unsupported",
                "corrections are recorded by CareCover staff; submit the corrective event",
                pointer=f"{pointer}/errorDeclaration",
            )
        step = step_of(event, pointer)
        if step.kind is CustodyKind.COMMISSIONING:
            raise EpcisInvalid(
                "epcis.commission_via_api",
                "commission serials through /api/v1/parts so labels and tags are issued",
                pointer=f"{pointer}/bizStep",
            )
        parts = _parts(
            session, event, f"{pointer}/{'epcList' if 'epcList' in event else 'childEPCs'}"
        )
        receiving = step.kind is CustodyKind.RECEIVING
        for part in parts:
            allowed = (
                _site_org(session, step.location) == org if receiving else part.holder_org_id == org
            )
            if step.kind is CustodyKind.REMOVING:
                allowed = _site_org(session, step.location) == org
            if not allowed:
                raise NotPartsHolder(f"{part.gtin}/{part.serial} is not yours to record")
        holder = None if step.kind in (CustodyKind.INSTALLING, CustodyKind.DESTROYING) else org
        rows = record_event(session, parts, dict(event), org_id=org, holder_after=holder)
        recorded += len(rows)
        duplicates += len(parts) - len(rows)
    return CaptureResult(events=len(document.events), recorded=recorded, duplicates=duplicates)


def latest_events(session: Session, org: uuid.UUID, limit: int = 20) -> list[PartEvent]:
    return list(
        session.scalars(
            select(PartEvent)
            .where(PartEvent.org_id == org)
            .order_by(PartEvent.record_time.desc())
            .limit(limit)
        )
    )
