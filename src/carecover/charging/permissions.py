"""Who may write an OCPI party's locations and tariffs, and who may report a failure for a car."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from carecover.charging import repository
from carecover.charging.errors import PartyNotYours
from carecover.charging.models import ChargingParty
from carecover.customers import repository as customers
from carecover.partners.enums import PartnerType
from carecover.partners.models import Partner
from carecover.platform.auth.roles import PARTNER_ROLES, Permission, Role, has_permission
from carecover.platform.context import Actor
from carecover.platform.errors import Forbidden, NotFound
from carecover.vehicles.models import Vehicle


def party_for_writer(
    session: Session, actor: Actor, country_code: str, party_id: str
) -> ChargingParty:
    """The party, if ``actor`` may write for it: a user of the charging operator it is registered
    to, network management, or the platform. Anyone else (another operator included) is refused
    the same way whether the party exists or not."""
    party = repository.party(session, country_code, party_id)
    if party is None:
        raise PartyNotYours()
    if actor.role is None or has_permission(actor.role, Permission.organisations_manage):
        return party
    if actor.role in PARTNER_ROLES and actor.organisation_id is not None:
        partner = session.get(Partner, party.partner_id)
        if (
            partner is not None
            and partner.organisation_id == actor.organisation_id
            and partner.partner_type is PartnerType.charging_operator
        ):
            return party
    raise PartyNotYours()


def vehicle_for_report(session: Session, actor: Actor, vehicle_id: uuid.UUID) -> Vehicle:
    """The car, if ``actor`` may report for it: its owner, customer staff (a report taken on the
    phone), or the platform. Someone else's car does not exist."""
    vehicle = session.get(Vehicle, vehicle_id)
    if vehicle is None:
        raise NotFound()
    if actor.role is None:
        return vehicle
    if actor.role is Role.owner and actor.user_id is not None:
        owner = customers.get_by_user(session, actor.user_id)
        if owner is None or owner.id != vehicle.owner_id:
            raise NotFound()
        return vehicle
    if has_permission(actor.role, Permission.customers_manage):
        return vehicle
    raise Forbidden()
