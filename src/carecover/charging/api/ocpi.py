"""The OCPI 2.2.1 receiver interface for charge point operators (Locations and Tariffs modules,
eMSP side): ``PUT`` a whole location or tariff, ``PATCH`` an EVSE or a connector, ``GET`` back what
is stored. The caller is the operator's partner user (bearer token); it may write only the OCPI
party registered to its organisation.

Answers use OCPI's envelope: ``data``, ``status_code`` (1000), ``status_message``, ``timestamp``;
HTTP 201 when the object is new, 200 when it replaced one. Errors are RFC 9457 problem documents
that also carry OCPI's ``status_code`` (2001 invalid, 2003 unknown object, 2000 otherwise).
Bodies are read with exact decimals, so a price is never rounded through a float.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from carecover.charging import permissions, repository
from carecover.charging.errors import OCPI_SUCCESS, UnknownOcpiObject, ocpi_timestamp
from carecover.charging.service import registry, shapes, tariffs
from carecover.charging.service.validation import parse_json
from carecover.platform.http.deps import ApiPrincipal, DbSession, ReqInfo, actor_of

router = APIRouter(prefix="/ocpi/2.2.1", tags=["charging: OCPI 2.2.1 receiver"])
LOCATION = "/locations/{country_code}/{party_id}/{location_id}"
TARIFF = "/tariffs/{country_code}/{party_id}/{tariff_id}"
OCPI_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"type": "object"}}},
    }
}


def envelope(data: Any, *, status: int = 200) -> JSONResponse:
    return JSONResponse(
        {
            "data": data,
            "status_code": OCPI_SUCCESS,
            "status_message": "Success",
            "timestamp": ocpi_timestamp(),
        },
        status_code=status,
    )


async def _body(request: Request) -> Any:
    return parse_json(await request.body())


@router.put(LOCATION, openapi_extra=OCPI_BODY, response_model=None)
async def put_location(
    request: Request,
    session: DbSession,
    principal: ApiPrincipal,
    info: ReqInfo,
    country_code: str,
    party_id: str,
    location_id: str,
) -> JSONResponse:
    """Push a new or replaced Location with its EVSEs and connectors."""
    written = registry.upsert_location(
        session,
        actor_of(principal, info),
        country_code,
        party_id,
        location_id,
        await _body(request),
    )
    data = shapes.location_json(session, written.location)
    return envelope(data, status=201 if written.created else 200)


@router.get(LOCATION, response_model=None)
def get_location(
    session: DbSession,
    principal: ApiPrincipal,
    info: ReqInfo,
    country_code: str,
    party_id: str,
    location_id: str,
) -> JSONResponse:
    """The Location as stored here (an operator checks its push)."""
    party = permissions.party_for_writer(session, actor_of(principal, info), country_code, party_id)
    found = repository.location_by_key(session, party.country_code, party.party_id, location_id)
    if found is None:
        raise UnknownOcpiObject()
    return envelope(shapes.location_json(session, found))


@router.patch(LOCATION + "/{evse_uid}", openapi_extra=OCPI_BODY, response_model=None)
async def patch_evse(
    request: Request,
    session: DbSession,
    principal: ApiPrincipal,
    info: ReqInfo,
    country_code: str,
    party_id: str,
    location_id: str,
    evse_uid: str,
) -> JSONResponse:
    """Update part of an EVSE (its status, mostly); ``last_updated`` is required."""
    evse = registry.patch_evse(
        session,
        actor_of(principal, info),
        country_code,
        party_id,
        location_id,
        evse_uid,
        await _body(request),
    )
    connectors = repository.connectors_of(session, [evse.id])[evse.id]
    return envelope(shapes.evse_json(evse, connectors))


@router.patch(LOCATION + "/{evse_uid}/{connector_id}", openapi_extra=OCPI_BODY, response_model=None)
async def patch_connector(
    request: Request,
    session: DbSession,
    principal: ApiPrincipal,
    info: ReqInfo,
    country_code: str,
    party_id: str,
    location_id: str,
    evse_uid: str,
    connector_id: str,
) -> JSONResponse:
    """Update part of a connector (its tariffs, a derated power); ``last_updated`` required."""
    row = registry.patch_connector(
        session,
        actor_of(principal, info),
        country_code,
        party_id,
        location_id,
        evse_uid,
        connector_id,
        await _body(request),
    )
    return envelope(shapes.connector_json(row))


@router.put(TARIFF, openapi_extra=OCPI_BODY, response_model=None)
async def put_tariff(
    request: Request,
    session: DbSession,
    principal: ApiPrincipal,
    info: ReqInfo,
    country_code: str,
    party_id: str,
    tariff_id: str,
) -> JSONResponse:
    """Push a new or replaced Tariff (CNY; each price a whole number of fen)."""
    tariff, created = tariffs.upsert_tariff(
        session,
        actor_of(principal, info),
        country_code,
        party_id,
        tariff_id,
        await _body(request),
    )
    return envelope(shapes.tariff_json(tariff), status=201 if created else 200)


@router.get(TARIFF, response_model=None)
def get_tariff(
    session: DbSession,
    principal: ApiPrincipal,
    info: ReqInfo,
    country_code: str,
    party_id: str,
    tariff_id: str,
) -> JSONResponse:
    party = permissions.party_for_writer(session, actor_of(principal, info), country_code, party_id)
    found = repository.tariff_by_key(session, party.country_code, party.party_id, tariff_id)
    if found is None:
        raise UnknownOcpiObject()
    return envelope(shapes.tariff_json(found))
