"""Customer queries (SELECTs only)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from carecover.customers.models import Consent, Customer
from carecover.platform.db.paging import fetch_page


def get(session: Session, customer_id: uuid.UUID) -> Customer | None:
    return session.get(Customer, customer_id)


def get_by_user(session: Session, user_id: uuid.UUID) -> Customer | None:
    return session.scalars(select(Customer).where(Customer.user_id == user_id)).first()


def get_by_customer_no(session: Session, customer_no: str) -> Customer | None:
    return session.scalars(select(Customer).where(Customer.customer_no == customer_no)).first()


def find_by_id_number_index(session: Session, bidx: str) -> Customer | None:
    return session.scalars(select(Customer).where(Customer.id_number_bidx == bidx)).first()


def find_by_mobile_index(session: Session, bidx: str) -> Sequence[Customer]:
    return session.scalars(select(Customer).where(Customer.mobile_bidx == bidx).limit(50)).all()


def list_customers(
    session: Session, *, city_adcode: str | None, limit: int, offset: int
) -> tuple[list[Customer], int]:
    query = select(Customer)
    if city_adcode:
        query = query.where(Customer.city_adcode == city_adcode)
    return fetch_page(session, query.order_by(Customer.customer_no), limit=limit, offset=offset)


def consents(session: Session, customer_id: uuid.UUID) -> Sequence[Consent]:
    return session.scalars(
        select(Consent).where(Consent.customer_id == customer_id).order_by(Consent.granted_at)
    ).all()
