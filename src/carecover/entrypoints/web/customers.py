"""Owner "my cars" and the staff customer search and 360° page."""

from __future__ import annotations

import re
import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from carecover.customers import repository as customer_repo
from carecover.customers import service as customer_service
from carecover.customers.models import Customer
from carecover.entrypoints.web.customer_views import cars_of
from carecover.platform.auth.roles import Permission
from carecover.platform.errors import NotFound
from carecover.platform.web.deps import OwnerPage, WebContext, permission_required
from carecover.policies.models import Policy
from carecover.vehicles import service as vehicle_service
from carecover.vehicles.models import Vehicle

router = APIRouter(include_in_schema=False)

CustomerDesk = Annotated[WebContext, permission_required(Permission.customers_read)]

VIN = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")
ID_NUMBER = re.compile(r"^\d{17}[\dX]$")
POLICY_NO = re.compile(r"^P[CM]\w{6,}$")
CUSTOMER_NO = re.compile(r"^C\w{8,}$")


@router.get("/owner/cars", response_model=None)
def my_cars(ctx: OwnerPage) -> Response:
    assert ctx.principal is not None
    customer = customer_repo.get_by_user(ctx.session, ctx.principal.user_id)
    cars = cars_of(ctx.session, customer.id) if customer else []
    return ctx.render("owner/cars.html", customer=customer, cars=cars)


def search_customers(ctx: WebContext, query: str) -> tuple[str, list[Customer]]:
    """Work out what was typed (plate, VIN, ID number, mobile, policy or customer number) and
    find exact matches; returns the kind recognised and the customers."""
    q = query.strip()
    upper = q.upper().replace(" ", "")
    session = ctx.session
    if VIN.match(upper):
        return "vin", _owner_of(ctx, vehicle_service.find_by_vin(session, upper))
    if ID_NUMBER.match(upper):
        return "id_number", customer_service.find_exact(session, id_number=upper)
    if POLICY_NO.match(upper):
        policy = session.scalars(select(Policy).where(Policy.policy_no == upper)).first()
        holder = customer_repo.get(session, policy.holder_id) if policy else None
        return "policy_no", [holder] if holder else []
    if CUSTOMER_NO.match(upper):
        found = customer_repo.get_by_customer_no(session, upper)
        return "customer_no", [found] if found else []
    if upper and not upper[0].isascii():
        return "plate", _owner_of(ctx, vehicle_service.find_by_plate(session, upper))
    digits = "".join(ch for ch in q if ch.isdigit() or ch == "+")
    if len(digits) >= 11:
        return "mobile", customer_service.find_exact(session, mobile=digits)
    return "unknown", []


def _owner_of(ctx: WebContext, car: Vehicle | None) -> list[Customer]:
    owner = customer_repo.get(ctx.session, car.owner_id) if car else None
    return [owner] if owner else []


@router.get("/staff/customers", response_model=None)
def customer_search(ctx: CustomerDesk, q: Annotated[str, Query(max_length=40)] = "") -> Response:
    kind, found = search_customers(ctx, q) if q.strip() else ("", [])
    if len(found) == 1 and not ctx.is_htmx:
        return RedirectResponse(f"/staff/customers/{found[0].id}", status_code=303)
    results = [customer_service.to_read(c) for c in found]
    template = "staff/_customer_results.html" if ctx.is_htmx else "staff/customers.html"
    return ctx.render(template, q=q, kind=kind, results=results)


@router.get("/staff/customers/{customer_id}", response_model=None)
def customer_360(customer_id: uuid.UUID, ctx: CustomerDesk) -> Response:
    customer = customer_repo.get(ctx.session, customer_id)
    if customer is None:
        raise NotFound()
    return ctx.render(
        "staff/customer.html",
        customer=customer_service.to_read(customer),
        consents=customer_repo.consents(ctx.session, customer.id),
        cars=cars_of(ctx.session, customer.id),
    )
