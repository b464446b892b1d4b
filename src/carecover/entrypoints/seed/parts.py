"""Demo parts: the demo supplier serialises a few replacement parts, ships most of them to the
demo repair shop, and the shop fits some into the demo owner's car — every step a real EPCIS
event anchored on the evidence log, so the scan page and the owner's car page have a history."""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from carecover.accounts.demo import PARTS_SUPPLIER, REPAIR_SHOP
from carecover.customers.models import Customer
from carecover.evidence.models import EvidenceRecord
from carecover.partners.models import Partner
from carecover.partners.repository import locations
from carecover.parts import service
from carecover.parts.models import Part, PartEvent, PartScan
from carecover.parts.service import SUBJECT
from carecover.platform.auth.models import Organisation, User
from carecover.platform.context import Actor
from carecover.vehicles.models import Vehicle

#: (GTIN, name, part number, how many): real-looking GS1 numbers with valid check digits.
CATALOGUE = (
    ("06901234567892", "前保险杠 Front bumper", "BMP-F-2024", 4),
    ("06901234567908", "左前大灯 Left headlamp", "HLP-L-2024", 3),
    ("06901234567915", "前刹车片 Front brake pads", "BRK-F-0007", 5),
)
SHIPPED = 8
FITTED = 3


def _actor(session: Session, org_name: str) -> tuple[Actor, Partner] | None:
    org = session.scalars(select(Organisation).where(Organisation.name == org_name)).first()
    if org is None:
        return None
    user = session.scalars(select(User).where(User.organisation_id == org.id)).first()
    partner = session.scalars(select(Partner).where(Partner.organisation_id == org.id)).first()
    if user is None or partner is None:
        return None
    return Actor(user.id, user.role, org.id, None, None), partner


def demo_car(session: Session) -> Vehicle | None:
    """The first car of the first demo owner (customer C0000000001)."""
    return session.scalars(
        select(Vehicle)
        .join(Customer, Customer.id == Vehicle.owner_id)
        .where(Customer.customer_no == "C0000000001")
        .order_by(Vehicle.created_at)
    ).first()


def seed_demo_parts(session: Session) -> int:
    """Commission, ship, receive and fit the demo parts (once); returns how many were made."""
    if session.scalar(select(func.count()).select_from(Part)):
        return 0
    supplier = _actor(session, PARTS_SUPPLIER)
    shop = _actor(session, REPAIR_SHOP)
    car = demo_car(session)
    if supplier is None or shop is None or car is None:
        return 0
    supplier_actor, supplier_partner = supplier
    shop_actor, shop_partner = shop
    supplier_site = locations(session, supplier_partner.id)[0]
    shop_site = locations(session, shop_partner.id)[0]
    made: list[Part] = []
    for gtin, name, number, count in CATALOGUE:
        made += service.commission(
            session,
            supplier_actor,
            service.Commission(
                gtin=gtin,
                name=name,
                quantity=count,
                location_id=supplier_site.id,
                part_number=number,
                lot="L2611",
            ),
        )
    for part in made[:SHIPPED]:
        service.ship(session, supplier_actor, part.id, shop_site.id)
        service.receive(session, shop_actor, part.id, shop_site.id)
    for n, part in enumerate(made[:FITTED]):
        service.install(session, shop_actor, part.id, car.id, repair_order=f"RO-DEMO-{n + 1:03d}")
    return len(made)


def clear_demo_parts(session: Session) -> None:
    """Delete parts, their events and scans, and the off-log records of those events (the log
    keeps its commitments, exactly as after an erasure)."""
    for model in (PartScan, PartEvent, Part):
        session.execute(delete(model))
    session.execute(delete(EvidenceRecord).where(EvidenceRecord.subject_type == SUBJECT))
