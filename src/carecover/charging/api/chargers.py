"""Finding a charger and reporting a charging failure (owners and staff), and registering an
operator's OCPI party (network management).

``GET /chargers/nearest`` answers with chargers that have a free EVSE fitting the filters now,
nearest first; ``GET /chargers/{id}`` with every EVSE and the status to believe; ``POST
/chargers/failures`` records the owner's report (201, or 200 with the first report of the last 30
minutes) and the orders domain sends the free tow.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, Field

from carecover.charging import repository
from carecover.charging.enums import FailureReason
from carecover.charging.models import ChargingFailure, Evse
from carecover.charging.service import failures, nearest, parties, view
from carecover.charging.service.nearest import ChargerHit
from carecover.charging.service.tariffs import TariffSummary
from carecover.partners import service as partners
from carecover.platform.auth.roles import Permission, has_permission
from carecover.platform.auth.service import Principal
from carecover.platform.clock import utc_now
from carecover.platform.errors import Forbidden
from carecover.platform.http.deps import ApiPrincipal, DbSession, ReqInfo, actor_of, require

router = APIRouter(tags=["charging"])
NetworkManager = Annotated[
    Principal, Depends(require(Permission.organisations_manage), scope="function")
]


def _finder(principal: ApiPrincipal) -> Principal:
    """Owners look for chargers; so do staff (a dispatcher on the phone)."""
    if not (
        has_permission(principal.role, Permission.owner_app)
        or has_permission(principal.role, Permission.customers_read)
    ):
        raise Forbidden()
    return principal


Finder = Annotated[Principal, Depends(_finder, scope="function")]


class TariffRead(BaseModel):
    tariff_id: str
    currency: str
    energy_fen_per_kwh: int | None
    flat_fen: int | None
    time_fen_per_hour: int | None
    parking_fen_per_hour: int | None
    alt_text: dict[str, str]

    @classmethod
    def of(cls, summary: TariffSummary | None) -> TariffRead | None:
        return None if summary is None else cls.model_validate(summary, from_attributes=True)


class ChargerHitRead(BaseModel):
    location_id: uuid.UUID
    ocpi_id: str
    name: str | None
    address: str
    city: str
    lat: float
    lng: float
    distance_km: float
    available_evses: int
    total_evses: int
    best_power_kw: float
    standards: list[str]
    tariff: TariffRead | None

    @classmethod
    def of(cls, hit: ChargerHit) -> ChargerHitRead:
        loc = hit.location
        return cls(
            location_id=loc.id,
            ocpi_id=loc.ocpi_id,
            name=loc.name,
            address=loc.address,
            city=loc.city,
            lat=loc.lat,
            lng=loc.lng,
            distance_km=round(hit.distance_km, 3),
            available_evses=hit.available_evses,
            total_evses=hit.total_evses,
            best_power_kw=round(hit.best_power_kw, 1),
            standards=list(hit.standards),
            tariff=TariffRead.of(hit.tariff),
        )


class ConnectorRead(BaseModel):
    connector_id: str
    standard: str
    power_type: str
    power_kw: float
    tariff: TariffRead | None


class EvseRead(BaseModel):
    uid: str
    evse_id: str | None
    status: str
    reported_status: str
    status_reported_at: datetime
    suspect: bool
    floor_level: str | None
    connectors: list[ConnectorRead]


class ChargerRead(BaseModel):
    location_id: uuid.UUID
    ocpi_id: str
    name: str | None
    operator: str
    address: str
    city: str
    lat: float
    lng: float
    time_zone: str
    available_evses: int
    total_evses: int
    evses: list[EvseRead]


class FailureCreate(BaseModel):
    vehicle_id: uuid.UUID
    location_id: uuid.UUID
    evse_uid: str | None = Field(default=None, max_length=36)
    reason: FailureReason
    note: str | None = Field(default=None, max_length=1000)
    lat: float | None = Field(default=None, allow_inf_nan=False)
    lng: float | None = Field(default=None, allow_inf_nan=False)


class FailureRead(BaseModel):
    id: uuid.UUID
    vehicle_id: uuid.UUID
    location_id: uuid.UUID
    evse_uid: str | None
    reason: str
    note: str | None
    lat: float
    lng: float
    reported_at: datetime
    free_tow: bool = True
    """A free tow follows from the orders domain (D5)."""


class PartyCreate(BaseModel):
    partner_id: uuid.UUID
    simulated: bool = False


class PartyRead(BaseModel):
    country_code: str
    party_id: str
    partner_id: uuid.UUID
    simulated: bool


@router.get("/chargers/nearest", response_model=list[ChargerHitRead])
def find_nearest(
    session: DbSession,
    _principal: Finder,
    lat: Annotated[float, Query(allow_inf_nan=False)],
    lng: Annotated[float, Query(allow_inf_nan=False)],
    standard: Annotated[
        list[str] | None, Query(description="OCPI ConnectorType, repeatable")
    ] = None,
    min_power_kw: Annotated[float | None, Query(allow_inf_nan=False)] = None,
    dc_only: bool = False,
    limit: int = 5,
    radius_km: Annotated[float, Query(allow_inf_nan=False)] = nearest.DEFAULT_RADIUS_KM,
) -> list[ChargerHitRead]:
    """Chargers with a free EVSE that fits, nearest first (great-circle km)."""
    hits = nearest.nearest_available(
        session,
        lat,
        lng,
        now=utc_now(),
        connector_standards=standard,
        min_power_kw=min_power_kw,
        dc_only=dc_only,
        limit=limit,
        radius_km=radius_km,
    )
    return [ChargerHitRead.of(h) for h in hits]


@router.get("/chargers/{location_id}", response_model=ChargerRead)
def read_charger(session: DbSession, _principal: Finder, location_id: uuid.UUID) -> ChargerRead:
    detail = view.charger_detail(session, location_id, now=utc_now())
    loc = detail.location
    return ChargerRead(
        location_id=loc.id,
        ocpi_id=loc.ocpi_id,
        name=loc.name,
        operator=detail.operator_name,
        address=loc.address,
        city=loc.city,
        lat=loc.lat,
        lng=loc.lng,
        time_zone=loc.time_zone,
        available_evses=detail.available,
        total_evses=detail.in_service,
        evses=[
            EvseRead(
                uid=e.uid,
                evse_id=e.evse_id,
                status=e.status.value,
                reported_status=e.reported_status.value,
                status_reported_at=e.status_reported_at,
                suspect=e.suspect,
                floor_level=e.floor_level,
                connectors=[
                    ConnectorRead(
                        connector_id=c.connector_id,
                        standard=c.standard,
                        power_type=c.power_type,
                        power_kw=round(c.power_kw, 1),
                        tariff=TariffRead.of(c.tariff),
                    )
                    for c in e.connectors
                ],
            )
            for e in detail.evses
        ],
    )


def failure_read(session: DbSession, row: ChargingFailure) -> FailureRead:
    evse = session.get(Evse, row.evse_pk) if row.evse_pk else None
    return FailureRead(
        id=row.id,
        vehicle_id=row.vehicle_id,
        location_id=row.location_id,
        evse_uid=evse.uid if evse else None,
        reason=row.reason.value,
        note=row.note,
        lat=row.lat,
        lng=row.lng,
        reported_at=row.reported_at,
    )


@router.post("/chargers/failures", response_model=FailureRead)
def report_failure(
    session: DbSession,
    principal: ApiPrincipal,
    info: ReqInfo,
    body: FailureCreate,
    response: Response,
) -> FailureRead:
    """Report that the car cannot charge here: 201, or 200 with the first report when the car
    already reported one in the last 30 minutes."""
    row, created = failures.record_failure(
        session,
        actor_of(principal, info),
        vehicle_id=body.vehicle_id,
        location_id=body.location_id,
        evse_uid=body.evse_uid,
        reason=body.reason,
        note=body.note,
        lat=body.lat,
        lng=body.lng,
    )
    response.status_code = 201 if created else 200
    return failure_read(session, row)


@router.put("/chargers/parties/{country_code}/{party_id}", response_model=PartyRead)
def register_party(
    session: DbSession,
    principal: NetworkManager,
    info: ReqInfo,
    country_code: str,
    party_id: str,
    body: PartyCreate,
    response: Response,
) -> PartyRead:
    """Give a charging operator its OCPI party (country code + party id)."""
    partner = partners.get_or_raise(session, body.partner_id)
    before = repository.party(session, country_code, party_id)
    party = parties.register_party(
        session,
        actor_of(principal, info),
        partner,
        country_code,
        party_id,
        simulated=body.simulated,
    )
    response.status_code = 200 if before is not None else 201
    return PartyRead(
        country_code=party.country_code,
        party_id=party.party_id,
        partner_id=party.partner_id,
        simulated=party.simulated,
    )
