"""Partners API: register and admit partners, their sites and qualifications, nearby search."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from carecover.partners import permissions, repository, service
from carecover.partners.enums import PartnerStatus, PartnerType
from carecover.partners.errors import PartnerNotFound
from carecover.partners.schemas import (
    LocationCreate,
    LocationRead,
    PartnerCreate,
    PartnerRead,
    PartnerSuspend,
    QualificationCreate,
    QualificationRead,
    QualificationRevoke,
)
from carecover.platform.auth.roles import Permission
from carecover.platform.auth.service import Principal
from carecover.platform.geo import Point
from carecover.platform.http.deps import ApiPrincipal, DbSession, ReqInfo, actor_of, require
from carecover.platform.pagination import Limit, Offset, Page

router = APIRouter(tags=["partners"])

# Every staff role reads the network (dispatchers, adjusters and customer operations route work
# to it); admitting partners is network management.
StaffReader = Annotated[Principal, Depends(require(Permission.customers_read), scope="function")]
NetworkManager = Annotated[
    Principal, Depends(require(Permission.organisations_manage), scope="function")
]
CityCode = Annotated[str | None, Query(pattern=r"^\d{6}$")]


@router.post("/partners", response_model=PartnerRead, status_code=201)
def register(
    session: DbSession, principal: NetworkManager, info: ReqInfo, body: PartnerCreate
) -> PartnerRead:
    return service.to_read(service.register_partner(session, actor_of(principal, info), body))


@router.get("/partners", response_model=Page[PartnerRead])
def search(
    session: DbSession,
    _principal: StaffReader,
    partner_type: Annotated[PartnerType | None, Query(alias="type")] = None,
    status: PartnerStatus | None = None,
    city_adcode: CityCode = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[PartnerRead]:
    rows, total = repository.list_partners(
        session,
        partner_type=partner_type,
        status=status,
        city_adcode=service.normalise_city(city_adcode),
        limit=limit,
        offset=offset,
    )
    return Page[PartnerRead](
        items=[service.to_read(p) for p in rows], total=total, limit=limit, offset=offset
    )


@router.get("/partners/nearby", response_model=list[LocationRead])
def nearby(
    session: DbSession,
    _principal: StaffReader,
    lat: Annotated[float, Query(ge=-90, le=90, allow_inf_nan=False)],
    lng: Annotated[float, Query(ge=-180, le=180, allow_inf_nan=False)],
    partner_type: Annotated[PartnerType | None, Query(alias="type")] = None,
    city_adcode: CityCode = None,
    within_km: Annotated[float | None, Query(gt=0, le=3000, allow_inf_nan=False)] = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> list[LocationRead]:
    """Admitted partners' open sites nearest a point (WGS-84), with their distance in km."""
    found = repository.nearest_locations(
        session,
        Point(lat, lng),
        partner_type=partner_type,
        city_adcode=service.normalise_city(city_adcode),
        limit=limit,
        within_km=within_km,
    )
    return [service.location_read(site, distance) for site, distance in found]


@router.get("/me/partner", response_model=PartnerRead)
def my_partner(session: DbSession, principal: ApiPrincipal) -> PartnerRead:
    """The partner profile of the signed-in partner user's organisation."""
    partner = (
        repository.get_by_organisation(session, principal.organisation_id)
        if principal.organisation_id
        else None
    )
    if partner is None:
        raise PartnerNotFound()
    return service.to_read(partner)


@router.get("/partners/{partner_id}", response_model=PartnerRead)
def read(
    partner_id: uuid.UUID, session: DbSession, principal: ApiPrincipal, info: ReqInfo
) -> PartnerRead:
    partner = service.get_or_raise(session, partner_id)
    permissions.ensure_can_read(actor_of(principal, info), partner)
    return service.to_read(partner)


@router.post("/partners/{partner_id}/activate", response_model=PartnerRead)
def activate(
    partner_id: uuid.UUID, session: DbSession, principal: NetworkManager, info: ReqInfo
) -> PartnerRead:
    """Admit (or reinstate) a partner; 409 lists what admission still lacks."""
    partner = service.get_or_raise(session, partner_id)
    return service.to_read(service.activate(session, actor_of(principal, info), partner))


@router.post("/partners/{partner_id}/suspend", response_model=PartnerRead)
def suspend(
    partner_id: uuid.UUID,
    session: DbSession,
    principal: NetworkManager,
    info: ReqInfo,
    body: PartnerSuspend,
) -> PartnerRead:
    partner = service.get_or_raise(session, partner_id)
    return service.to_read(
        service.suspend(session, actor_of(principal, info), partner, body.reason)
    )


@router.get("/partners/{partner_id}/locations", response_model=list[LocationRead])
def locations(
    partner_id: uuid.UUID, session: DbSession, principal: ApiPrincipal, info: ReqInfo
) -> list[LocationRead]:
    partner = service.get_or_raise(session, partner_id)
    permissions.ensure_can_read(actor_of(principal, info), partner)
    return [service.location_read(site) for site in repository.locations(session, partner.id)]


@router.post("/partners/{partner_id}/locations", response_model=LocationRead, status_code=201)
def add_location(
    partner_id: uuid.UUID,
    session: DbSession,
    principal: ApiPrincipal,
    info: ReqInfo,
    body: LocationCreate,
) -> LocationRead:
    """Network management, or the partner's own admin, adds a site."""
    actor = actor_of(principal, info)
    partner = service.get_or_raise(session, partner_id)
    permissions.ensure_can_manage(actor, partner)
    return service.location_read(service.add_location(session, actor, partner, body))


@router.get("/partners/{partner_id}/qualifications", response_model=list[QualificationRead])
def qualifications(
    partner_id: uuid.UUID, session: DbSession, principal: ApiPrincipal, info: ReqInfo
) -> list[QualificationRead]:
    partner = service.get_or_raise(session, partner_id)
    permissions.ensure_can_read(actor_of(principal, info), partner)
    today = service.china_today()
    return [
        service.qualification_read(q, today) for q in repository.qualifications(session, partner.id)
    ]


@router.post(
    "/partners/{partner_id}/qualifications", response_model=QualificationRead, status_code=201
)
def add_qualification(
    partner_id: uuid.UUID,
    session: DbSession,
    principal: ApiPrincipal,
    info: ReqInfo,
    body: QualificationCreate,
) -> QualificationRead:
    """Staff entries count as verified; a partner admin's own await verification."""
    actor = actor_of(principal, info)
    partner = service.get_or_raise(session, partner_id)
    permissions.ensure_can_manage(actor, partner)
    return service.qualification_read(service.add_qualification(session, actor, partner, body))


@router.post(
    "/partners/{partner_id}/qualifications/{qualification_id}/verify",
    response_model=QualificationRead,
)
def verify_qualification(
    partner_id: uuid.UUID,
    qualification_id: uuid.UUID,
    session: DbSession,
    principal: NetworkManager,
    info: ReqInfo,
) -> QualificationRead:
    partner = service.get_or_raise(session, partner_id)
    found = service.verify_qualification(
        session, actor_of(principal, info), partner, qualification_id
    )
    return service.qualification_read(found)


@router.post(
    "/partners/{partner_id}/qualifications/{qualification_id}/revoke",
    response_model=QualificationRead,
)
def revoke_qualification(
    partner_id: uuid.UUID,
    qualification_id: uuid.UUID,
    session: DbSession,
    principal: NetworkManager,
    info: ReqInfo,
    body: QualificationRevoke,
) -> QualificationRead:
    partner = service.get_or_raise(session, partner_id)
    found = service.revoke_qualification(
        session, actor_of(principal, info), partner, qualification_id, body.reason
    )
    return service.qualification_read(found)
