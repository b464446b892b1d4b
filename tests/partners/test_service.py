"""Partners: credit codes, registration, sites, qualifications, admission and suspension."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from carecover.accounts import service as accounts_service
from carecover.accounts.schemas import OrganisationCreate
from carecover.partners import repository, service
from carecover.partners.enums import (
    PartnerStatus,
    PartnerType,
    QualificationKind,
    QualificationStatus,
)
from carecover.partners.errors import AdmissionIncomplete, StatusChangeRefused
from carecover.partners.schemas import LocationCreate, PartnerCreate, QualificationCreate
from carecover.platform.audit import AuditEntry
from carecover.platform.auth.models import OrganisationKind
from carecover.platform.auth.roles import Role
from carecover.platform.context import Actor
from carecover.platform.errors import DuplicateField, InvalidFields
from carecover.platform.events import OutboxMessage
from carecover.platform.ids import new_id
from tests.factories.accounts import make_organisation
from tests.factories.partners import (
    ALWAYS_OPEN,
    PUDONG,
    make_location,
    make_partner,
    make_qualification,
    unique_credit_code,
)

STAFF = Actor.system()


# --- credit codes (no database) ---


def test_a_real_credit_code_checks_out() -> None:
    assert service.credit_code_check_char("91350100M000100Y4") == "3"
    assert service.is_valid_credit_code("91350100M000100Y43")


@pytest.mark.parametrize(
    "code",
    [
        pytest.param("91350100M000100Y44", id="wrong-check-character"),
        pytest.param("91350100M000100Y4", id="17-characters"),
        pytest.param("91350100M000100Y430", id="19-characters"),
        pytest.param("91350100I000100Y43", id="letter-I"),
        pytest.param("91350100S000100Y43", id="letter-S"),
        pytest.param("91350100m000100y43", id="lower-case"),
    ],
)
def test_bad_credit_codes_are_refused(code: str) -> None:
    assert not service.is_valid_credit_code(code)


def test_a_remainder_of_zero_gives_check_character_zero() -> None:
    # Search the last position for the body whose weighted sum is a multiple of 31.
    body = next(
        f"9131010400000000{c}"
        for c in service.CREDIT_CODE_CHARS
        if service.credit_code_check_char(f"9131010400000000{c}") == "0"
    )
    assert service.is_valid_credit_code(body + "0")
    assert service.is_valid_credit_code(unique_credit_code())


# --- registration ---


def test_register_validates_normalises_and_publishes(session: Session) -> None:
    org = make_organisation(session)
    partner = service.register_partner(
        session,
        STAFF,
        PartnerCreate(
            organisation_id=org.id,
            partner_type=PartnerType.rescue,
            legal_name="上海沪通道路救援有限公司",
            unified_social_credit_code="91350100m000100y43",
            city_adcode="310104",
            contact_phone="021-6438 1234",
        ),
    )
    assert partner.status is PartnerStatus.applicant
    assert partner.unified_social_credit_code == "91350100M000100Y43"
    assert partner.city_adcode == "310000"  # a district code is kept as its city's
    assert partner.contact_phone_enc is not None
    assert b"64381234" not in partner.contact_phone_enc
    assert service.contact_phone(partner) == "+862164381234"
    read = service.to_read(partner)
    assert read.city == "上海市"
    assert read.contact_phone_masked is not None
    assert "6438" not in read.contact_phone_masked
    event = session.scalars(
        select(OutboxMessage).where(OutboxMessage.event_type == "partners.registered")
    ).one()
    assert event.payload["partner_id"] == str(partner.id)
    assert (
        session.scalars(select(AuditEntry).where(AuditEntry.object_id == str(partner.id)))
        .one()
        .action
        == "partners.registered"
    )


def test_every_bad_field_is_reported_at_once(session: Session) -> None:
    insurer = accounts_service.create_organisation(
        session, STAFF, OrganisationCreate(name="保险公司", kind=OrganisationKind.insurer)
    )
    with pytest.raises(InvalidFields) as caught:
        service.register_partner(
            session,
            STAFF,
            PartnerCreate(
                organisation_id=insurer.id,
                partner_type=PartnerType.car_wash,
                legal_name="洗车行",
                unified_social_credit_code="91350100M000100Y44",
                city_adcode="999999",
                contact_phone="12345",
            ),
        )
    assert {(p.field, p.code) for p in caught.value.problems} == {
        ("organisation_id", "partner.organisation_not_partner"),
        ("unified_social_credit_code", "partner.credit_code"),
        ("city_adcode", "partner.city_unknown"),
        ("contact_phone", "phone.invalid"),
    }
    extra = caught.value.problem_extra("zh-CN")
    assert all(e["msg"] and not e["msg"].startswith("invalid.") for e in extra["errors"])


def test_an_unknown_organisation_is_a_field_problem(session: Session) -> None:
    with pytest.raises(InvalidFields) as caught:
        service.register_partner(
            session,
            STAFF,
            PartnerCreate(
                organisation_id=new_id(),
                partner_type=PartnerType.parking,
                legal_name="停车场",
                city_adcode="310000",
            ),
        )
    assert [p.code for p in caught.value.problems] == ["partner.organisation_unknown"]


def test_one_partner_per_organisation_and_per_credit_code(session: Session) -> None:
    first = make_partner(session, active=False)
    with pytest.raises(DuplicateField) as caught:
        service.register_partner(
            session,
            STAFF,
            PartnerCreate(
                organisation_id=first.organisation_id,
                partner_type=PartnerType.car_wash,
                legal_name="另一家",
                city_adcode="310000",
            ),
        )
    assert caught.value.field == "organisation_id"
    with pytest.raises(DuplicateField) as caught:
        service.register_partner(
            session,
            STAFF,
            PartnerCreate(
                organisation_id=make_organisation(session).id,
                partner_type=PartnerType.car_wash,
                legal_name="另一家",
                unified_social_credit_code=first.unified_social_credit_code,
                city_adcode="310000",
            ),
        )
    assert caught.value.field == "unified_social_credit_code"


# --- sites ---


def site(**overrides: object) -> LocationCreate:
    body: dict[str, object] = {
        "name": "浦东店",
        "address": "上海市浦东新区陆家嘴环路1000号",
        "lat": PUDONG[0],
        "lng": PUDONG[1],
        "capacity": 3,
        "opening_hours": ALWAYS_OPEN,
    }
    return LocationCreate.model_validate(body | overrides)


def test_a_site_takes_its_district_from_the_address_or_the_adcode(session: Session) -> None:
    partner = make_partner(session, location=None, active=False)
    parsed = service.add_location(session, STAFF, partner, site())
    assert (parsed.adcode, parsed.city_adcode) == ("310115", "310000")
    given = service.add_location(
        session, STAFF, partner, site(address="杭州西湖边", adcode="330106")
    )
    assert (given.adcode, given.city_adcode) == ("330106", "330100")
    assert [s.id for s in repository.locations(session, partner.id)] == [parsed.id, given.id]


@pytest.mark.parametrize(
    ("point", "fields"),
    [
        pytest.param((1.29, 103.85), {"lat"}, id="singapore"),
        pytest.param((35.68, 139.69), {"lng"}, id="tokyo"),
        pytest.param((-33.87, 151.21), {"lat", "lng"}, id="sydney"),
        pytest.param((PUDONG[1] - 90, PUDONG[0]), {"lng"}, id="swapped-and-shifted"),
    ],
)
def test_a_site_outside_china_is_refused(
    session: Session, point: tuple[float, float], fields: set[str]
) -> None:
    partner = make_partner(session, location=None, active=False)
    with pytest.raises(InvalidFields) as caught:
        service.add_location(session, STAFF, partner, site(lat=point[0], lng=point[1]))
    assert {(p.field, p.code) for p in caught.value.problems} == {
        (f, "location.outside_china") for f in fields
    }
    assert list(repository.locations(session, partner.id)) == []


def test_unknown_places_are_field_problems(session: Session) -> None:
    partner = make_partner(session, location=None, active=False)
    with pytest.raises(InvalidFields) as caught:
        service.add_location(session, STAFF, partner, site(adcode="990000"))
    assert [p.code for p in caught.value.problems] == ["location.adcode_unknown"]
    with pytest.raises(InvalidFields) as caught:
        service.add_location(session, STAFF, partner, site(address="火星基地"))
    assert [p.code for p in caught.value.problems] == ["address.unrecognised"]


# --- qualifications ---


def test_brand_rules_and_dates(session: Session) -> None:
    partner = make_partner(session, active=False)
    today = service.china_today()
    with pytest.raises(InvalidFields) as caught:
        service.add_qualification(
            session,
            STAFF,
            partner,
            QualificationCreate(
                kind=QualificationKind.nev_brand_authorisation,
                number="BYD-2026-001",
                valid_from=today,
                valid_until=today - timedelta(days=1),
            ),
        )
    assert {p.code for p in caught.value.problems} == {
        "qualification.brand_required",
        "qualification.dates",
    }
    with pytest.raises(InvalidFields) as caught:
        make_qualification(session, partner, QualificationKind.towing_licence, brand="比亚迪")
    assert [p.code for p in caught.value.problems] == ["qualification.brand_not_allowed"]


def test_status_on_a_given_day(session: Session) -> None:
    partner = make_partner(session, active=False)
    today = service.china_today()
    valid = make_qualification(session, partner, valid_until=today + timedelta(days=31))
    expiring = make_qualification(session, partner, valid_until=today + timedelta(days=30))
    last_day = make_qualification(session, partner, valid_until=today)
    expired = make_qualification(session, partner, valid_until=today - timedelta(days=1))
    future = make_qualification(session, partner, valid_from=today + timedelta(days=1))
    revoked = make_qualification(session, partner)
    service.revoke_qualification(session, STAFF, partner, revoked.id, "执照被吊销")
    statuses = {
        q.id: service.qualification_read(q, today).status
        for q in (valid, expiring, last_day, expired, future, revoked)
    }
    assert statuses == {
        valid.id: QualificationStatus.valid,
        expiring.id: QualificationStatus.expiring,
        last_day.id: QualificationStatus.expiring,
        expired.id: QualificationStatus.expired,
        future.id: QualificationStatus.not_yet_valid,
        revoked.id: QualificationStatus.revoked,
    }
    soon = service.expiring_qualifications(session, on=today)
    assert [q.id for q in soon if q.partner_id == partner.id] == [last_day.id, expiring.id]


def test_is_qualified_by_kind_brand_and_day(session: Session) -> None:
    partner = make_partner(session, active=False)
    today = service.china_today()
    nev = QualificationKind.nev_brand_authorisation
    make_qualification(session, partner, nev, brand="BYD", valid_until=today + timedelta(days=10))
    assert service.is_qualified(session, partner.id, nev)
    assert service.is_qualified(session, partner.id, nev, brand=" byd ")
    assert not service.is_qualified(session, partner.id, nev, brand="Tesla")
    assert not service.is_qualified(session, partner.id, QualificationKind.oem_authorisation)
    later = today + timedelta(days=11)
    assert not service.is_qualified(session, partner.id, nev, brand="BYD", on=later)


def test_a_partners_own_entry_counts_once_verified_and_until_revoked(session: Session) -> None:
    partner = make_partner(session, active=False)
    admin = Actor(new_id(), Role.partner_admin, partner.organisation_id)
    kind = QualificationKind.oem_authorisation
    own = make_qualification(session, partner, kind, brand="大众", actor=admin)
    assert own.verified_at is None
    assert not service.is_qualified(session, partner.id, kind, brand="大众")
    service.verify_qualification(session, STAFF, partner, own.id)
    assert service.is_qualified(session, partner.id, kind, brand="大众")
    service.revoke_qualification(session, STAFF, partner, own.id, "授权到期前被主机厂收回")
    assert not service.is_qualified(session, partner.id, kind, brand="大众")
    revoked = session.scalars(
        select(OutboxMessage).where(OutboxMessage.event_type == "partners.qualification_revoked")
    ).one()
    assert revoked.payload["qualification_id"] == str(own.id)


# --- admission ---


def test_admission_needs_licences_and_a_site(session: Session) -> None:
    partner = make_partner(session, partner_type=PartnerType.rescue, location=None, active=False)
    with pytest.raises(AdmissionIncomplete) as caught:
        service.activate(session, STAFF, partner)
    assert caught.value.missing == ["business_licence", "towing_licence", "location"]
    extra = caught.value.problem_extra("en")
    assert extra["missing"][1]["msg"] == "A towing licence in force"
    make_qualification(session, partner)
    make_qualification(session, partner, QualificationKind.towing_licence)
    make_location(session, partner)
    assert service.activate(session, STAFF, partner).status is PartnerStatus.active
    changed = session.scalars(
        select(OutboxMessage).where(OutboxMessage.event_type == "partners.status_changed")
    ).one()
    assert changed.payload == {
        "partner_id": str(partner.id),
        "previous": "applicant",
        "status": "active",
    }


def test_suspend_and_reinstate(session: Session) -> None:
    partner = make_partner(session, partner_type=PartnerType.car_wash)
    assert service.suspend(session, STAFF, partner, "连续投诉").status is PartnerStatus.suspended
    changes = session.scalars(
        select(AuditEntry.details).where(
            AuditEntry.object_id == str(partner.id),
            AuditEntry.action == "partners.status_changed",
        )
    ).all()
    assert {"from": "active", "to": "suspended", "reason": "连续投诉"} in changes
    assert service.activate(session, STAFF, partner).status is PartnerStatus.active
    applicant = make_partner(session, active=False)
    with pytest.raises(StatusChangeRefused):
        service.suspend(session, STAFF, applicant, "不适用")
    partner.status = PartnerStatus.terminated
    with pytest.raises(StatusChangeRefused):
        service.activate(session, STAFF, partner)
