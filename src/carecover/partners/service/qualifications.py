"""Qualifications: licences and brand authorisations, their verification and validity."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from carecover.partners import repository
from carecover.partners.enums import QualificationKind, QualificationStatus
from carecover.partners.errors import QualificationNotFound
from carecover.partners.events import QualificationAdded, QualificationRevoked
from carecover.partners.models import Partner, Qualification
from carecover.partners.schemas import QualificationCreate, QualificationRead
from carecover.platform import audit
from carecover.platform.auth.roles import PARTNER_ROLES
from carecover.platform.clock import utc_now
from carecover.platform.context import Actor
from carecover.platform.errors import FieldProblem, InvalidFields
from carecover.platform.events import publish

BEIJING = ZoneInfo("Asia/Shanghai")
EXPIRING_WITHIN_DAYS = 30


def china_today() -> date:
    """Today's date in Beijing: licences run by calendar day in China."""
    return utc_now().astimezone(BEIJING).date()


def add_qualification(
    session: Session, actor: Actor, partner: Partner, data: QualificationCreate
) -> Qualification:
    """Record a licence; staff entries count as verified, a partner's own await verification."""
    problems: list[FieldProblem] = []
    if data.kind.needs_brand and not data.brand:
        problems.append(FieldProblem("brand", "qualification.brand_required"))
    if not data.kind.needs_brand and data.brand:
        problems.append(FieldProblem("brand", "qualification.brand_not_allowed"))
    if data.valid_until < data.valid_from:
        problems.append(FieldProblem("valid_until", "qualification.dates"))
    if problems:
        raise InvalidFields(*problems)
    qualification = Qualification(
        partner_id=partner.id,
        kind=data.kind,
        brand=data.brand,
        number=data.number,
        valid_from=data.valid_from,
        valid_until=data.valid_until,
        verified_at=None if actor.role in PARTNER_ROLES else utc_now(),
    )
    session.add(qualification)
    session.flush()
    audit.record(
        session,
        actor,
        "partners.qualification_added",
        object_type="partner",
        object_id=partner.id,
        details={"qualification_id": str(qualification.id), "kind": data.kind.value},
    )
    publish(
        session,
        QualificationAdded(
            partner_id=partner.id,
            qualification_id=qualification.id,
            kind=data.kind.value,
            brand=data.brand,
            valid_until=data.valid_until,
        ),
        request_id=actor.request_id,
    )
    return qualification


def get_qualification_or_raise(
    session: Session, partner: Partner, qualification_id: uuid.UUID
) -> Qualification:
    found = repository.get_qualification(session, partner.id, qualification_id)
    if found is None:
        raise QualificationNotFound()
    return found


def verify_qualification(
    session: Session, actor: Actor, partner: Partner, qualification_id: uuid.UUID
) -> Qualification:
    """Staff confirm a partner's own entry against the document; repeating changes nothing."""
    qualification = get_qualification_or_raise(session, partner, qualification_id)
    if qualification.verified_at is None:
        qualification.verified_at = utc_now()
        session.flush()
        audit.record(
            session,
            actor,
            "partners.qualification_verified",
            object_type="partner",
            object_id=partner.id,
            details={"qualification_id": str(qualification.id)},
        )
    return qualification


def revoke_qualification(
    session: Session, actor: Actor, partner: Partner, qualification_id: uuid.UUID, reason: str
) -> Qualification:
    """Withdraw a qualification before its end; the row stays as history."""
    qualification = get_qualification_or_raise(session, partner, qualification_id)
    if qualification.revoked_at is None:
        qualification.revoked_at = utc_now()
        session.flush()
        audit.record(
            session,
            actor,
            "partners.qualification_revoked",
            object_type="partner",
            object_id=partner.id,
            details={"qualification_id": str(qualification.id), "reason": reason},
        )
        publish(
            session,
            QualificationRevoked(
                partner_id=partner.id,
                qualification_id=qualification.id,
                kind=qualification.kind.value,
            ),
            request_id=actor.request_id,
        )
    return qualification


def is_qualified(
    session: Session,
    partner_id: uuid.UUID,
    kind: QualificationKind,
    *,
    brand: str | None = None,
    on: date | None = None,
) -> bool:
    """Whether the partner holds a verified ``kind`` (of ``brand``, if given) in force ``on``."""
    # Brands are compared without case or padding: "BYD", "byd " are one brand.
    held = repository.qualifications_in_force(session, partner_id, on or china_today(), kind)
    if brand is None:
        return bool(held)
    wanted = brand.strip().casefold()
    return any((q.brand or "").strip().casefold() == wanted for q in held)


def expiring_qualifications(
    session: Session, within_days: int = EXPIRING_WITHIN_DAYS, *, on: date | None = None
) -> Sequence[Qualification]:
    """Unrevoked qualifications ending from ``on`` (today) to ``within_days`` later."""
    start = on or china_today()
    return repository.qualifications_ending(session, start, start + timedelta(days=within_days))


def qualification_status(qualification: Qualification, on: date) -> QualificationStatus:
    if qualification.revoked_at is not None:
        return QualificationStatus.revoked
    if qualification.valid_until < on:
        return QualificationStatus.expired
    if qualification.valid_from > on:
        return QualificationStatus.not_yet_valid
    if qualification.valid_until <= on + timedelta(days=EXPIRING_WITHIN_DAYS):
        return QualificationStatus.expiring
    return QualificationStatus.valid


def qualification_read(qualification: Qualification, on: date | None = None) -> QualificationRead:
    return QualificationRead(
        id=qualification.id,
        partner_id=qualification.partner_id,
        kind=qualification.kind,
        brand=qualification.brand,
        number=qualification.number,
        valid_from=qualification.valid_from,
        valid_until=qualification.valid_until,
        verified_at=qualification.verified_at,
        revoked_at=qualification.revoked_at,
        status=qualification_status(qualification, on or china_today()),
    )
