"""Customers API: register, find by exact identifier, read, update, consents."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from carecover.customers import repository, service
from carecover.customers.schemas import (
    ConsentGrant,
    ConsentRead,
    CustomerCreate,
    CustomerDetail,
    CustomerRead,
    CustomerUpdate,
)
from carecover.platform.auth.roles import Permission, Role
from carecover.platform.auth.service import Principal
from carecover.platform.errors import NotFound
from carecover.platform.http.deps import ApiPrincipal, DbSession, ReqInfo, actor_of, require
from carecover.platform.pagination import Limit, Offset, Page

router = APIRouter(tags=["customers"])

Reader = Annotated[Principal, Depends(require(Permission.customers_read), scope="function")]
Manager = Annotated[Principal, Depends(require(Permission.customers_manage), scope="function")]


@router.post("/customers", response_model=CustomerRead, status_code=201)
def register(
    session: DbSession, principal: Manager, info: ReqInfo, body: CustomerCreate
) -> CustomerRead:
    return service.to_read(service.register(session, actor_of(principal, info), body))


@router.get("/customers", response_model=Page[CustomerRead])
def search(
    session: DbSession,
    _principal: Reader,
    mobile: Annotated[str | None, Query(max_length=20)] = None,
    id_number: Annotated[str | None, Query(max_length=18)] = None,
    customer_no: Annotated[str | None, Query(max_length=20)] = None,
    city_adcode: Annotated[str | None, Query(pattern=r"^\d{6}$")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[CustomerRead]:
    """Exact match on mobile or ID number (through blind indexes) or customer number;
    otherwise a page of customers, optionally in one city."""
    if mobile or id_number or customer_no:
        if customer_no:
            one = repository.get_by_customer_no(session, customer_no.upper())
            rows = [one] if one else []
        else:
            rows = service.find_exact(session, mobile=mobile, id_number=id_number)
        items = [service.to_read(c) for c in rows]
        return Page[CustomerRead](items=items, total=len(items), limit=limit, offset=0)
    rows, total = repository.list_customers(
        session, city_adcode=city_adcode, limit=limit, offset=offset
    )
    return Page[CustomerRead](
        items=[service.to_read(c) for c in rows], total=total, limit=limit, offset=offset
    )


@router.get("/me/customer", response_model=CustomerDetail)
def my_record(session: DbSession, principal: ApiPrincipal) -> CustomerDetail:
    customer = repository.get_by_user(session, principal.user_id)
    if customer is None:
        raise NotFound()
    return service.to_detail(customer)


@router.get("/customers/{customer_id}", response_model=CustomerRead | CustomerDetail)
def read(
    customer_id: uuid.UUID, session: DbSession, principal: ApiPrincipal, info: ReqInfo
) -> CustomerRead:
    customer = service.get_or_raise(session, customer_id)
    service.ensure_can_read(actor_of(principal, info), customer)
    if principal.role is Role.owner:
        return service.to_detail(customer)
    return service.to_read(customer)


@router.patch("/customers/{customer_id}", response_model=CustomerRead)
def update(
    customer_id: uuid.UUID,
    session: DbSession,
    principal: Manager,
    info: ReqInfo,
    body: CustomerUpdate,
) -> CustomerRead:
    customer = service.get_or_raise(session, customer_id)
    return service.to_read(service.update(session, actor_of(principal, info), customer, body))


@router.get("/customers/{customer_id}/consents", response_model=list[ConsentRead])
def consents(
    customer_id: uuid.UUID, session: DbSession, principal: ApiPrincipal, info: ReqInfo
) -> list[ConsentRead]:
    customer = service.get_or_raise(session, customer_id)
    service.ensure_can_read(actor_of(principal, info), customer)
    return [ConsentRead.model_validate(c) for c in repository.consents(session, customer.id)]


@router.post("/customers/{customer_id}/consents", response_model=ConsentRead, status_code=201)
def grant(
    customer_id: uuid.UUID,
    session: DbSession,
    principal: ApiPrincipal,
    info: ReqInfo,
    body: ConsentGrant,
) -> ConsentRead:
    """The customer themself (owner app) or customer operations records a consent."""
    actor = actor_of(principal, info)
    customer = service.get_or_raise(session, customer_id)
    service.ensure_can_change_consent(actor, customer)
    return ConsentRead.model_validate(service.grant_consent(session, actor, customer, body))


@router.post("/customers/{customer_id}/consents/{consent_id}/withdraw", response_model=ConsentRead)
def withdraw(
    customer_id: uuid.UUID,
    consent_id: uuid.UUID,
    session: DbSession,
    principal: ApiPrincipal,
    info: ReqInfo,
) -> ConsentRead:
    actor = actor_of(principal, info)
    customer = service.get_or_raise(session, customer_id)
    service.ensure_can_change_consent(actor, customer)
    return ConsentRead.model_validate(
        service.withdraw_consent(session, actor, customer, consent_id)
    )
