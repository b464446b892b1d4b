"""Queries for the parts pages: what an organisation holds, what is coming, recent scans."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from carecover.partners.models import Partner, PartnerLocation
from carecover.parts.models import Part, PartScan


def held_by(session: Session, org_id: uuid.UUID, *, limit: int = 100) -> Sequence[Part]:
    """Parts an organisation holds now (not installed, not destroyed), newest first."""
    return session.scalars(
        select(Part)
        .where(Part.holder_org_id == org_id, Part.state.not_in(("installed", "destroyed")))
        .order_by(Part.last_event_at.desc(), Part.id)
        .limit(limit)
    ).all()


def org_sites(session: Session, org_id: uuid.UUID) -> Sequence[PartnerLocation]:
    return session.scalars(
        select(PartnerLocation)
        .join(Partner, Partner.id == PartnerLocation.partner_id)
        .where(Partner.organisation_id == org_id, PartnerLocation.is_active.is_(True))
        .order_by(PartnerLocation.created_at)
    ).all()


def incoming(session: Session, site_uris: Sequence[str], *, limit: int = 100) -> Sequence[Part]:
    """Parts in transit to any of these sites."""
    if not site_uris:
        return []
    return session.scalars(
        select(Part)
        .where(Part.state == "in_transit", Part.destination.in_(list(site_uris)))
        .order_by(Part.last_event_at.desc())
        .limit(limit)
    ).all()


def by_ids(session: Session, ids: Sequence[uuid.UUID]) -> Sequence[Part]:
    if not ids:
        return []
    return session.scalars(select(Part).where(Part.id.in_(list(ids))).order_by(Part.serial)).all()


def recent_scans(session: Session, part_id: uuid.UUID, *, limit: int = 10) -> Sequence[PartScan]:
    return session.scalars(
        select(PartScan)
        .where(PartScan.part_id == part_id)
        .order_by(PartScan.at.desc())
        .limit(limit)
    ).all()


def ship_targets(
    session: Session, *, exclude_org: uuid.UUID, limit: int = 200
) -> list[tuple[PartnerLocation, Partner]]:
    """Active sites of other active partners a part can be shipped to (shops first)."""
    rows = session.execute(
        select(PartnerLocation, Partner)
        .join(Partner, Partner.id == PartnerLocation.partner_id)
        .where(
            Partner.organisation_id != exclude_org,
            Partner.status == "active",
            PartnerLocation.is_active.is_(True),
            Partner.partner_type.in_(("repair_shop", "parts_supplier")),
        )
        .order_by(Partner.partner_type.desc(), Partner.legal_name)
        .limit(limit)
    ).all()
    return [(site, partner) for site, partner in rows]
