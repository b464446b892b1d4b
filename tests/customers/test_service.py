"""Customers: validated identity, encryption at rest, exact search, consents."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from carecover.customers import service
from carecover.customers.enums import ConsentPurpose
from carecover.customers.schemas import ConsentGrant, CustomerCreate, CustomerUpdate
from carecover.platform.audit import AuditEntry
from carecover.platform.context import Actor
from carecover.platform.errors import DuplicateField, InvalidFields
from tests.factories.customers import make_customer, unique_mobile


def test_register_normalises_encrypts_and_parses_the_address(session: Session) -> None:
    customer = make_customer(
        session,
        name="李娜",
        mobile="138 1234 5678",
        id_number="11010519491231002x",
        address="广东省深圳市南山区科技园",
    )
    assert customer.customer_no.startswith("C")
    assert (customer.province, customer.city, customer.district) == ("广东省", "深圳市", "南山区")
    assert customer.adcode == "440305"
    raw = session.execute(
        text("SELECT name_enc, mobile_enc, id_number_enc FROM customers WHERE id = :id"),
        {"id": customer.id.hex if session.get_bind().dialect.name == "sqlite" else customer.id},
    ).one()
    assert "李娜".encode() not in raw.name_enc
    assert b"13812345678" not in raw.mobile_enc
    detail = service.to_detail(customer)
    assert detail.mobile == "+8613812345678"
    assert detail.id_number == "11010519491231002X"
    assert detail.address_detail == "科技园"
    masked = service.to_read(customer)
    assert masked.mobile_masked == "+86 138****5678"
    assert masked.id_number_masked == "110105********002X"
    assert masked.name_masked == "李*"


def test_every_bad_field_is_reported_at_once(session: Session) -> None:
    with pytest.raises(InvalidFields) as caught:
        service.register(
            session,
            Actor.system(),
            CustomerCreate(
                name="张三", mobile="12345", id_number="110105194912310021", address="火星基地"
            ),
        )
    codes = {(p.field, p.code) for p in caught.value.problems}
    assert codes == {
        ("mobile", "phone.invalid"),
        ("id_number", "resident_id.check_digit"),
        ("address", "address.unrecognised"),
    }
    extra = caught.value.problem_extra("en")
    assert all(e["msg"] and not e["msg"].startswith("invalid.") for e in extra["errors"])


def test_an_id_number_belongs_to_one_customer(session: Session) -> None:
    make_customer(session, id_number="11010519491231002X")
    with pytest.raises(DuplicateField) as caught:
        make_customer(session, id_number="11010519491231002x")
    assert caught.value.field == "id_number"


def test_exact_search_through_blind_indexes(session: Session) -> None:
    mobile = unique_mobile()
    customer = make_customer(session, mobile=mobile)
    assert [c.id for c in service.find_exact(session, mobile=mobile)] == [customer.id]
    assert [c.id for c in service.find_exact(session, mobile="+86 " + mobile)] == [customer.id]
    assert service.find_exact(session, mobile="13000000000") == []
    assert service.find_exact(session, id_number="not-an-id") == []


def test_update_and_consents_are_audited(session: Session) -> None:
    customer = make_customer(session)
    service.update(
        session, Actor.system(), customer, CustomerUpdate(address="北京市朝阳区建国路88号")
    )
    assert customer.city == "北京市"
    consent = service.grant_consent(
        session,
        Actor.system(),
        customer,
        ConsentGrant(purpose=ConsentPurpose.telematics, scope="车辆位置与驾驶行为，用于主动预警"),
    )
    service.withdraw_consent(session, Actor.system(), customer, consent.id)
    assert consent.withdrawn_at is not None
    actions = session.scalars(
        select(AuditEntry.action).where(AuditEntry.object_id == str(customer.id))
    ).all()
    assert actions == [
        "customers.registered",
        "customers.updated",
        "customers.consent_granted",
        "customers.consent_withdrawn",
    ]
