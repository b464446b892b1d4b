"""Partner registration (credit code, contact phone), admission and suspension."""

from __future__ import annotations

import uuid
from datetime import date

import phonenumbers
from sqlalchemy.orm import Session

from carecover.partners import repository
from carecover.partners.enums import PartnerStatus, PartnerType, QualificationKind
from carecover.partners.errors import AdmissionIncomplete, PartnerNotFound, StatusChangeRefused
from carecover.partners.events import PartnerRegistered, PartnerStatusChanged
from carecover.partners.models import Partner
from carecover.partners.schemas import PartnerCreate, PartnerRead
from carecover.partners.service.qualifications import china_today
from carecover.platform import audit
from carecover.platform.auth.models import Organisation, OrganisationKind
from carecover.platform.cn import InvalidIdentifier
from carecover.platform.context import Actor
from carecover.platform.crypto import FieldRef, get_cipher, mask_phone
from carecover.platform.errors import DuplicateField, FieldProblem, InvalidFields
from carecover.platform.events import publish
from carecover.platform.geo import city_adcode, city_by_adcode
from carecover.platform.ids import new_id

# GB 32100-2015: the 31 characters of a unified social credit code (no I, O, Z, S, V), whose
# positions are the values 0–30, and the weights of the first 17 positions.
CREDIT_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

#: The licence a trade needs before admission (any one of the kinds), by its message name.
TRADE_LICENCES: dict[PartnerType, tuple[str, frozenset[QualificationKind]]] = {
    PartnerType.repair_shop: (
        "repair_licence",
        frozenset(
            {QualificationKind.repair_licence_class_1, QualificationKind.repair_licence_class_2}
        ),
    ),
    PartnerType.rescue: ("towing_licence", frozenset({QualificationKind.towing_licence})),
    PartnerType.charging_operator: (
        "charging_operation_permit",
        frozenset({QualificationKind.charging_operation_permit}),
    ),
}


def credit_code_check_char(first17: str) -> str:
    """The 18th character of a unified social credit code from its first 17."""
    total = sum(
        CREDIT_CODE_CHARS.index(ch) * weight
        for ch, weight in zip(first17, _CREDIT_CODE_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_CHARS[(31 - total % 31) % 31]  # a remainder of 0 gives 31, written 0


def is_valid_credit_code(code: str) -> bool:
    """18 characters from the code's alphabet with a correct check character."""
    if len(code) != 18 or any(ch not in CREDIT_CODE_CHARS for ch in code):
        return False
    return credit_code_check_char(code[:17]) == code[17]


def normalise_contact_phone(value: str) -> str:
    """A mainland mobile or landline number in E.164; businesses often answer on a landline."""
    try:
        parsed = phonenumbers.parse(value.strip(), "CN")
    except phonenumbers.NumberParseException:
        raise InvalidIdentifier("phone.invalid") from None
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidIdentifier("phone.invalid")
    if parsed.country_code != 86:
        raise InvalidIdentifier("phone.not_mainland")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _phone_ref(partner_id: uuid.UUID) -> FieldRef:
    return FieldRef("partners", "contact_phone", str(partner_id))


def _org_problem(session: Session, organisation_id: uuid.UUID) -> FieldProblem | None:
    org = session.get(Organisation, organisation_id)
    if org is None:
        return FieldProblem("organisation_id", "partner.organisation_unknown")
    if org.kind is not OrganisationKind.partner:
        return FieldProblem("organisation_id", "partner.organisation_not_partner")
    return None


def register_partner(session: Session, actor: Actor, data: PartnerCreate) -> Partner:
    """Create the partner profile of a partner organisation, as an applicant."""
    problems: list[FieldProblem] = []
    if problem := _org_problem(session, data.organisation_id):
        problems.append(problem)
    code = (data.unified_social_credit_code or "").strip().upper() or None
    if code is not None and not is_valid_credit_code(code):
        problems.append(FieldProblem("unified_social_credit_code", "partner.credit_code"))
    city = city_by_adcode(data.city_adcode)
    if city is None:
        problems.append(FieldProblem("city_adcode", "partner.city_unknown"))
    phone = None
    if data.contact_phone:
        try:
            phone = normalise_contact_phone(data.contact_phone)
        except InvalidIdentifier as exc:
            problems.append(FieldProblem("contact_phone", exc.code, exc.params))
    if problems:
        raise InvalidFields(*problems)
    assert city is not None  # no problems means the city is known
    if repository.get_by_organisation(session, data.organisation_id) is not None:
        raise DuplicateField("organisation_id")
    if code is not None and repository.get_by_credit_code(session, code) is not None:
        raise DuplicateField("unified_social_credit_code")
    partner = Partner(
        id=new_id(),
        organisation_id=data.organisation_id,
        partner_type=data.partner_type,
        status=PartnerStatus.applicant,
        legal_name=data.legal_name,
        unified_social_credit_code=code,
        city_adcode=city.adcode,
    )
    if phone is not None:
        partner.contact_phone_enc = get_cipher().encrypt(phone, _phone_ref(partner.id))
    session.add(partner)
    session.flush()
    audit.record(
        session,
        actor,
        "partners.registered",
        object_type="partner",
        object_id=partner.id,
        details={"partner_type": partner.partner_type.value, "city_adcode": city.adcode},
    )
    publish(
        session,
        PartnerRegistered(
            partner_id=partner.id,
            organisation_id=partner.organisation_id,
            partner_type=partner.partner_type.value,
            city_adcode=partner.city_adcode,
        ),
        request_id=actor.request_id,
    )
    return partner


def admission_gaps(session: Session, partner: Partner, *, on: date | None = None) -> list[str]:
    """What the partner still lacks for admission: licences in force and an active site."""
    held = {
        q.kind for q in repository.qualifications_in_force(session, partner.id, on or china_today())
    }
    missing: list[str] = []
    if QualificationKind.business_licence not in held:
        missing.append("business_licence")
    trade = TRADE_LICENCES.get(partner.partner_type)
    if trade is not None and not held & trade[1]:
        missing.append(trade[0])
    if not repository.locations(session, partner.id, active_only=True):
        missing.append("location")
    return missing


def _change_status(
    session: Session, actor: Actor, partner: Partner, status: PartnerStatus, reason: str | None
) -> Partner:
    previous = partner.status
    partner.status = status
    session.flush()
    details = {"from": previous.value, "to": status.value}
    if reason:
        details["reason"] = reason
    audit.record(
        session,
        actor,
        "partners.status_changed",
        object_type="partner",
        object_id=partner.id,
        details=details,
    )
    publish(
        session,
        PartnerStatusChanged(partner_id=partner.id, previous=previous.value, status=status.value),
        request_id=actor.request_id,
    )
    return partner


def activate(session: Session, actor: Actor, partner: Partner) -> Partner:
    """Admit an applicant or reinstate a suspended partner once it meets the requirements."""
    if partner.status is PartnerStatus.active:
        return partner
    if partner.status is PartnerStatus.terminated:
        raise StatusChangeRefused(partner.status.value, PartnerStatus.active.value)
    missing = admission_gaps(session, partner)
    if missing:
        raise AdmissionIncomplete(missing)
    return _change_status(session, actor, partner, PartnerStatus.active, None)


def suspend(session: Session, actor: Actor, partner: Partner, reason: str) -> Partner:
    """Take an active partner out of dispatch for now, with the reason on record."""
    if partner.status is PartnerStatus.suspended:
        return partner
    if partner.status is not PartnerStatus.active:
        raise StatusChangeRefused(partner.status.value, PartnerStatus.suspended.value)
    return _change_status(session, actor, partner, PartnerStatus.suspended, reason)


def get_or_raise(session: Session, partner_id: uuid.UUID) -> Partner:
    partner = repository.get(session, partner_id)
    if partner is None:
        raise PartnerNotFound()
    return partner


def contact_phone(partner: Partner) -> str | None:
    if partner.contact_phone_enc is None:
        return None
    return get_cipher().decrypt(partner.contact_phone_enc, _phone_ref(partner.id))


def to_read(partner: Partner) -> PartnerRead:
    phone = contact_phone(partner)
    city = city_by_adcode(partner.city_adcode)
    return PartnerRead(
        id=partner.id,
        organisation_id=partner.organisation_id,
        partner_type=partner.partner_type,
        status=partner.status,
        legal_name=partner.legal_name,
        unified_social_credit_code=partner.unified_social_credit_code,
        city_adcode=partner.city_adcode,
        city=city.name if city else None,
        contact_phone_masked=mask_phone(phone) if phone else None,
        created_at=partner.created_at,
        updated_at=partner.updated_at,
    )


def normalise_city(code: str | None) -> str | None:
    """A district or city adcode as the city's code (310104 → 310000), for filters."""
    if not code:
        return None
    return city_adcode(code) or code
