"""Policies API: products, quotes, bind, cancel, renew, and reading policies."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy import select

from carecover.customers import repository as customer_repo
from carecover.platform.auth.roles import Permission, Role
from carecover.platform.auth.service import Principal
from carecover.platform.db.paging import fetch_page
from carecover.platform.errors import NotFound
from carecover.platform.http.deps import ApiPrincipal, DbSession, ReqInfo, actor_of, require
from carecover.platform.pagination import Limit, Offset, Page
from carecover.policies import service
from carecover.policies.catalogue import PRODUCTS
from carecover.policies.enums import PolicyStatus
from carecover.policies.models import Policy
from carecover.policies.schemas import CancelRequest, CoverageRead, PolicyRead, QuoteCreate

router = APIRouter(tags=["policies"])

Reader = Annotated[Principal, Depends(require(Permission.customers_read), scope="function")]
Manager = Annotated[Principal, Depends(require(Permission.customers_manage), scope="function")]


def _read_many(session: DbSession, policies: Sequence[Policy]) -> list[PolicyRead]:
    lines = service.coverages_by_policy(session, [p.id for p in policies])
    views = []
    for policy in policies:
        view = PolicyRead.model_validate(policy)
        view.coverages = [CoverageRead.model_validate(c) for c in lines[policy.id]]
        views.append(view)
    return views


def _read(session: DbSession, policy: Policy) -> PolicyRead:
    return _read_many(session, [policy])[0]


@router.get("/insurance-products")
def products(_principal: ApiPrincipal) -> list[dict[str, object]]:
    return [
        {
            "code": p.code,
            "kind": p.kind.value,
            "nev_only": p.nev_only,
            "allowed": sorted(c.value for c in p.allowed),
            "required": sorted(c.value for c in p.required),
        }
        for p in PRODUCTS.values()
    ]


@router.post("/policies/quotes", response_model=PolicyRead, status_code=201)
def quote(session: DbSession, principal: Manager, info: ReqInfo, body: QuoteCreate) -> PolicyRead:
    return _read(session, service.quote(session, actor_of(principal, info), body))


@router.post("/policies/{policy_id}/bind", response_model=PolicyRead)
def bind(policy_id: uuid.UUID, session: DbSession, principal: Manager, info: ReqInfo) -> PolicyRead:
    policy = service.get_or_raise(session, policy_id)
    return _read(session, service.bind(session, actor_of(principal, info), policy))


@router.post("/policies/{policy_id}/cancel", response_model=PolicyRead)
def cancel(
    policy_id: uuid.UUID, session: DbSession, principal: Manager, info: ReqInfo, body: CancelRequest
) -> PolicyRead:
    policy = service.get_or_raise(session, policy_id)
    return _read(
        session, service.cancel(session, actor_of(principal, info), policy, body.reason, body.at)
    )


@router.post("/policies/{policy_id}/renew", response_model=PolicyRead, status_code=201)
def renew(
    policy_id: uuid.UUID, session: DbSession, principal: Manager, info: ReqInfo
) -> PolicyRead:
    policy = service.get_or_raise(session, policy_id)
    return _read(session, service.renew(session, actor_of(principal, info), policy))


@router.get("/policies", response_model=Page[PolicyRead])
def search(
    session: DbSession,
    _principal: Reader,
    vehicle_id: uuid.UUID | None = None,
    holder_id: uuid.UUID | None = None,
    status: PolicyStatus | None = None,
    policy_no: Annotated[str | None, Query(max_length=24)] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[PolicyRead]:
    query = select(Policy)
    if vehicle_id:
        query = query.where(Policy.vehicle_id == vehicle_id)
    if holder_id:
        query = query.where(Policy.holder_id == holder_id)
    if status:
        query = query.where(Policy.status == status)
    if policy_no:
        query = query.where(Policy.policy_no == policy_no.strip().upper())
    rows, total = fetch_page(
        session, query.order_by(Policy.starts_at.desc(), Policy.id), limit=limit, offset=offset
    )
    return Page[PolicyRead](
        items=_read_many(session, rows), total=total, limit=limit, offset=offset
    )


@router.get("/me/policies", response_model=list[PolicyRead])
def my_policies(session: DbSession, principal: ApiPrincipal) -> list[PolicyRead]:
    customer = customer_repo.get_by_user(session, principal.user_id)
    if customer is None:
        return []
    rows = session.scalars(
        select(Policy)
        .where(Policy.holder_id == customer.id, Policy.status != PolicyStatus.quote)
        .order_by(Policy.starts_at.desc())
    )
    return _read_many(session, rows.all())


@router.get("/policies/{policy_id}", response_model=PolicyRead)
def read(policy_id: uuid.UUID, session: DbSession, principal: ApiPrincipal) -> PolicyRead:
    policy = service.get_or_raise(session, policy_id)
    if principal.role is Role.owner:
        customer = customer_repo.get_by_user(session, principal.user_id)
        if customer is None or customer.id != policy.holder_id:
            raise NotFound()
    elif principal.role in (Role.partner_admin, Role.partner_staff):
        raise NotFound()
    return _read(session, policy)
