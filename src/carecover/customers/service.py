"""Customer use cases: register, update, look up by exact identifier, consents.

Identifiers are validated here (not in the schemas) so the API, the web, the CLI and the demo
seed all get the same checks and the same field-level messages.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session

from carecover.customers import repository
from carecover.customers.errors import CustomerNotFound
from carecover.customers.events import ConsentChanged, CustomerRegistered
from carecover.customers.models import Consent, Customer
from carecover.customers.schemas import (
    ConsentGrant,
    CustomerCreate,
    CustomerDetail,
    CustomerRead,
    CustomerUpdate,
)
from carecover.platform import audit
from carecover.platform.auth.roles import Permission, Role, has_permission
from carecover.platform.clock import utc_now
from carecover.platform.cn import InvalidIdentifier, normalise_mobile, validate_resident_id
from carecover.platform.context import Actor
from carecover.platform.crypto import (
    FieldRef,
    get_cipher,
    mask_id_number,
    mask_name,
    mask_phone,
)
from carecover.platform.errors import DuplicateField, FieldProblem, Forbidden, InvalidFields
from carecover.platform.events import publish
from carecover.platform.geo import ParsedAddress, parse_address
from carecover.platform.ids import new_id

TABLE = "customers"


@dataclass(frozen=True, slots=True)
class CleanIdentity:
    """Validated, normalised personal fields, ready to encrypt."""

    mobile: str
    id_number: str | None
    address: ParsedAddress | None


def clean_identity(
    *, mobile: str | None, id_number: str | None, address: str | None
) -> CleanIdentity:
    """Validate every field and report all problems at once."""
    problems: list[FieldProblem] = []
    clean_mobile = clean_id = None
    parsed = None
    if mobile is not None:
        try:
            clean_mobile = normalise_mobile(mobile)
        except InvalidIdentifier as exc:
            problems.append(FieldProblem("mobile", exc.code, exc.params))
    if id_number:
        try:
            clean_id = validate_resident_id(id_number).number
        except InvalidIdentifier as exc:
            problems.append(FieldProblem("id_number", exc.code, exc.params))
    if address:
        try:
            parsed = parse_address(address)
        except InvalidIdentifier as exc:
            problems.append(FieldProblem("address", exc.code, exc.params))
    if problems:
        raise InvalidFields(*problems)
    return CleanIdentity(mobile=clean_mobile or "", id_number=clean_id, address=parsed)


def _ref(customer_id: uuid.UUID, column: str) -> FieldRef:
    return FieldRef(TABLE, column, str(customer_id))


def apply_address(customer: Customer, parsed: ParsedAddress) -> None:
    customer.province = parsed.province
    customer.city = parsed.city
    customer.district = parsed.district
    customer.adcode = parsed.adcode
    customer.city_adcode = parsed.city_adcode
    customer.address_detail_enc = get_cipher().encrypt(
        parsed.detail, _ref(customer.id, "address_detail")
    )


def build_customer(data: CustomerCreate, *, customer_id: uuid.UUID, customer_no: str) -> Customer:
    """A validated, encrypted Customer row, not yet added (the bulk seed uses this too)."""
    identity = clean_identity(mobile=data.mobile, id_number=data.id_number, address=data.address)
    cipher = get_cipher()
    customer = Customer(
        id=customer_id,
        customer_no=customer_no,
        name_enc=cipher.encrypt(data.name, _ref(customer_id, "name")),
        mobile_enc=cipher.encrypt(identity.mobile, _ref(customer_id, "mobile")),
        mobile_bidx=cipher.blind_index(identity.mobile, purpose="mobile"),
        language=data.language,
        user_id=data.user_id,
    )
    if identity.id_number:
        customer.id_number_enc = cipher.encrypt(identity.id_number, _ref(customer_id, "id_number"))
        customer.id_number_bidx = cipher.blind_index(identity.id_number, purpose="id_number")
    if identity.address:
        apply_address(customer, identity.address)
    return customer


def new_customer_no() -> str:
    return "C" + new_id().hex[-11:].upper()


def register(session: Session, actor: Actor, data: CustomerCreate) -> Customer:
    """Register a customer; an ID number may belong to one customer only."""
    customer = build_customer(data, customer_id=new_id(), customer_no=new_customer_no())
    if customer.id_number_bidx and repository.find_by_id_number_index(
        session, customer.id_number_bidx
    ):
        raise DuplicateField("id_number")
    if data.user_id is not None and repository.get_by_user(session, data.user_id):
        raise DuplicateField("user_id")
    session.add(customer)
    session.flush()
    audit.record(
        session, actor, "customers.registered", object_type="customer", object_id=customer.id
    )
    publish(session, CustomerRegistered(customer_id=customer.id), request_id=actor.request_id)
    return customer


def update(session: Session, actor: Actor, customer: Customer, data: CustomerUpdate) -> Customer:
    identity = clean_identity(mobile=data.mobile, id_number=None, address=data.address)
    changed: list[str] = []
    cipher = get_cipher()
    if data.mobile is not None:
        customer.mobile_enc = cipher.encrypt(identity.mobile, _ref(customer.id, "mobile"))
        customer.mobile_bidx = cipher.blind_index(identity.mobile, purpose="mobile")
        changed.append("mobile")
    if identity.address is not None:
        apply_address(customer, identity.address)
        changed.append("address")
    if data.language is not None and data.language != customer.language:
        customer.language = data.language
        changed.append("language")
    session.flush()
    audit.record(
        session,
        actor,
        "customers.updated",
        object_type="customer",
        object_id=customer.id,
        details={"fields": changed},
    )
    return customer


def get_or_raise(session: Session, customer_id: uuid.UUID) -> Customer:
    customer = repository.get(session, customer_id)
    if customer is None:
        raise CustomerNotFound()
    return customer


def ensure_can_read(actor: Actor, customer: Customer) -> None:
    """Owners reach only their own record; partners never reach customer records directly."""
    if actor.role is Role.owner and customer.user_id != actor.user_id:
        raise CustomerNotFound()  # do not reveal that another customer exists
    if actor.role in (Role.partner_admin, Role.partner_staff):
        raise Forbidden()


def ensure_can_change_consent(actor: Actor, customer: Customer) -> None:
    """Consent is the customer's to give; customer operations may record it on their behalf."""
    ensure_can_read(actor, customer)
    if actor.role is not Role.owner and not (
        actor.role is not None and has_permission(actor.role, Permission.customers_manage)
    ):
        raise Forbidden()


def find_exact(
    session: Session, *, mobile: str | None = None, id_number: str | None = None
) -> list[Customer]:
    """Exact-match search through blind indexes; malformed input simply finds nothing."""
    cipher = get_cipher()
    if id_number:
        try:
            number = validate_resident_id(id_number).number
        except InvalidIdentifier:
            return []
        found = repository.find_by_id_number_index(
            session, cipher.blind_index(number, purpose="id_number")
        )
        return [found] if found else []
    if mobile:
        try:
            e164 = normalise_mobile(mobile)
        except InvalidIdentifier:
            return []
        return list(
            repository.find_by_mobile_index(session, cipher.blind_index(e164, purpose="mobile"))
        )
    return []


def decrypt(customer: Customer, column: str) -> str | None:
    blob: bytes | None = getattr(customer, f"{column}_enc")
    if blob is None:
        return None
    return get_cipher().decrypt(blob, _ref(customer.id, column))


def to_read(customer: Customer) -> CustomerRead:
    id_number = decrypt(customer, "id_number")
    return CustomerRead(
        id=customer.id,
        customer_no=customer.customer_no,
        name_masked=mask_name(decrypt(customer, "name") or ""),
        mobile_masked=mask_phone(decrypt(customer, "mobile") or ""),
        id_number_masked=mask_id_number(id_number) if id_number else None,
        province=customer.province,
        city=customer.city,
        district=customer.district,
        adcode=customer.adcode,
        language=customer.language,
        has_account=customer.user_id is not None,
        created_at=customer.created_at,
    )


def to_detail(customer: Customer) -> CustomerDetail:
    return CustomerDetail(
        **to_read(customer).model_dump(),
        name=decrypt(customer, "name") or "",
        mobile=decrypt(customer, "mobile") or "",
        id_number=decrypt(customer, "id_number"),
        address_detail=decrypt(customer, "address_detail"),
    )


def grant_consent(
    session: Session, actor: Actor, customer: Customer, data: ConsentGrant
) -> Consent:
    consent = Consent(
        customer_id=customer.id, purpose=data.purpose, scope=data.scope, channel=data.channel
    )
    session.add(consent)
    session.flush()
    audit.record(
        session,
        actor,
        "customers.consent_granted",
        object_type="customer",
        object_id=customer.id,
        details={"purpose": data.purpose.value, "consent_id": str(consent.id)},
    )
    publish(
        session,
        ConsentChanged(customer_id=customer.id, purpose=data.purpose.value, granted=True),
        request_id=actor.request_id,
    )
    return consent


def withdraw_consent(
    session: Session, actor: Actor, customer: Customer, consent_id: uuid.UUID
) -> Consent:
    consent = session.get(Consent, consent_id)
    if consent is None or consent.customer_id != customer.id:
        raise CustomerNotFound()
    if consent.withdrawn_at is None:
        consent.withdrawn_at = utc_now()
        session.flush()
        audit.record(
            session,
            actor,
            "customers.consent_withdrawn",
            object_type="customer",
            object_id=customer.id,
            details={"purpose": consent.purpose.value, "consent_id": str(consent.id)},
        )
        publish(
            session,
            ConsentChanged(customer_id=customer.id, purpose=consent.purpose.value, granted=False),
            request_id=actor.request_id,
        )
    return consent
