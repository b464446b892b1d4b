"""Benefits API: the package catalogue, grants, balances, decisions and uses."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from carecover.benefits import service
from carecover.benefits.catalogue import PACKAGES
from carecover.benefits.enums import ServiceType
from carecover.benefits.schemas import (
    BalanceRead,
    DecisionRead,
    GrantCreate,
    GrantRead,
    PackageItemRead,
    PackageRead,
    UseCreate,
    UseRead,
)
from carecover.platform.auth.roles import Permission
from carecover.platform.auth.service import Principal
from carecover.platform.http.deps import ApiPrincipal, DbSession, ReqInfo, actor_of, require
from carecover.vehicles import service as vehicle_service

router = APIRouter(tags=["benefits"])

Manager = Annotated[Principal, Depends(require(Permission.customers_manage), scope="function")]


@router.get("/benefit-packages", response_model=list[PackageRead])
def catalogue(_principal: ApiPrincipal) -> list[PackageRead]:
    return [
        PackageRead(
            code=p.code,
            audience=p.audience,
            validity_months=p.validity_months,
            price_fen=p.price_fen,
            items=[
                PackageItemRead(service=i.service, quota=i.quota, period=i.period, rules=i.rules)
                for i in p.items
            ],
        )
        for p in PACKAGES.values()
    ]


@router.post("/vehicles/{vehicle_id}/grants", response_model=GrantRead, status_code=201)
def grant(
    vehicle_id: uuid.UUID, session: DbSession, principal: Manager, info: ReqInfo, body: GrantCreate
) -> GrantRead:
    vehicle = vehicle_service.get_or_raise(session, vehicle_id)
    created = service.grant_package(
        session,
        actor_of(principal, info),
        vehicle_id=vehicle.id,
        package_code=body.package_code,
        starts_at=body.starts_at,
        policy_id=body.policy_id,
    )
    return GrantRead.model_validate(created)


@router.get("/vehicles/{vehicle_id}/entitlements", response_model=list[BalanceRead])
def entitlements(
    vehicle_id: uuid.UUID, session: DbSession, principal: ApiPrincipal, info: ReqInfo
) -> list[BalanceRead]:
    vehicle = vehicle_service.get_or_raise(session, vehicle_id)
    vehicle_service.ensure_can_read(session, actor_of(principal, info), vehicle)
    return [BalanceRead(**asdict(b)) for b in service.balances(session, vehicle.id)]


@router.get("/vehicles/{vehicle_id}/entitlements/check", response_model=DecisionRead)
def decide(
    vehicle_id: uuid.UUID,
    session: DbSession,
    principal: ApiPrincipal,
    info: ReqInfo,
    service_type: Annotated[ServiceType, Query(alias="service")],
    incident_ref: Annotated[str | None, Query(max_length=60)] = None,
) -> DecisionRead:
    """May this vehicle use this service now, free or at what price, and what is left?"""
    vehicle = vehicle_service.get_or_raise(session, vehicle_id)
    vehicle_service.ensure_can_read(session, actor_of(principal, info), vehicle)
    d = service.check(session, vehicle.id, service_type, incident_ref=incident_ref)
    return DecisionRead(
        service=d.service,
        covered=d.covered,
        price_fen=d.price_fen,
        remaining=d.remaining,
        package_code=d.package_code,
        reason=d.reason,
        rules=d.rules,
    )


@router.post("/vehicles/{vehicle_id}/entitlements/use", response_model=UseRead, status_code=201)
def use(
    vehicle_id: uuid.UUID, session: DbSession, principal: Manager, info: ReqInfo, body: UseCreate
) -> UseRead:
    vehicle = vehicle_service.get_or_raise(session, vehicle_id)
    record = service.use(
        session,
        actor_of(principal, info),
        vehicle.id,
        body.service,
        reference=body.reference,
        incident_ref=body.incident_ref,
        allow_paid=body.allow_paid,
    )
    return UseRead(
        id=record.id,
        service=record.service,
        reference=record.reference,
        price_fen=record.price_fen,
        covered=record.item_id is not None,
        used_at=record.used_at,
    )
