"""A small parts network: a supplier, two repair shops, their staff, and a car."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from carecover.partners.enums import PartnerType
from carecover.partners.models import PartnerLocation
from carecover.partners.repository import locations
from carecover.parts import service
from carecover.parts.models import Part
from carecover.platform.auth.models import User
from carecover.platform.auth.roles import Role
from carecover.platform.context import Actor
from carecover.vehicles.models import Vehicle
from tests.factories.accounts import make_user
from tests.factories.customers import make_customer, make_vehicle
from tests.factories.partners import PUDONG, WEST_LAKE, make_partner

GTIN = "09521234543213"


@dataclass
class Network:
    supplier: User
    supplier_site: PartnerLocation
    shop: User
    shop_site: PartnerLocation
    other_shop: User
    other_site: PartnerLocation
    owner: User
    car: Vehicle

    def actor(self, user: User) -> Actor:
        return Actor(user.id, user.role, user.organisation_id, None, None)


def _staff(session: Session, partner_org: object, name: str) -> User:
    return make_user(session, role=Role.partner_admin, organisation=partner_org, username=name)


def make_network(session: Session, tag: str = "n") -> Network:
    supplier = make_partner(session, partner_type=PartnerType.parts_supplier)
    shop = make_partner(session, location=PUDONG)
    other = make_partner(session, location=WEST_LAKE, city_adcode="330100")
    from carecover.platform.auth.models import Organisation

    def org(p: object) -> Organisation:
        found = session.get(Organisation, p.organisation_id)  # type: ignore[attr-defined]
        assert found is not None
        return found

    owner = make_user(session, role=Role.owner, username=f"{tag}.owner")
    car = make_vehicle(session, owner=make_customer(session, user=owner))
    return Network(
        supplier=_staff(session, org(supplier), f"{tag}.supplier"),
        supplier_site=locations(session, supplier.id)[0],
        shop=_staff(session, org(shop), f"{tag}.shop"),
        shop_site=locations(session, shop.id)[0],
        other_shop=_staff(session, org(other), f"{tag}.other"),
        other_site=locations(session, other.id)[0],
        owner=owner,
        car=car,
    )


def commission(session: Session, net: Network, quantity: int = 1) -> list[Part]:
    return service.commission(
        session,
        net.actor(net.supplier),
        service.Commission(
            gtin=GTIN,
            name="前保险杠 Front bumper",
            quantity=quantity,
            location_id=net.supplier_site.id,
            part_number="BMP-001",
            lot="L2611",
        ),
    )


def deliver_to_shop(session: Session, net: Network, part: Part) -> None:
    service.ship(session, net.actor(net.supplier), part.id, net.shop_site.id)
    service.receive(session, net.actor(net.shop), part.id, net.shop_site.id)
