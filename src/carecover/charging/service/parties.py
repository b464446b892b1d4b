"""OCPI parties: which charging operator (partner) owns which country code + party id. Network
management registers them; the registry lets only that operator's users write the party's
locations and tariffs (``permissions.party_for_writer``)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from carecover.charging import repository
from carecover.charging.errors import PartyTaken
from carecover.charging.models import ChargingParty
from carecover.partners.enums import PartnerType
from carecover.partners.models import Partner
from carecover.platform import audit
from carecover.platform.auth.roles import Permission, has_permission
from carecover.platform.context import Actor
from carecover.platform.errors import FieldProblem, Forbidden, InvalidFields


def register_party(
    session: Session,
    actor: Actor,
    partner: Partner,
    country_code: str,
    party_id: str,
    *,
    simulated: bool = False,
) -> ChargingParty:
    """Give a charging operator its OCPI party (network management); registering it again for
    the same operator changes nothing, for another one is refused."""
    if actor.role is not None and not has_permission(actor.role, Permission.organisations_manage):
        raise Forbidden()
    problems: list[FieldProblem] = []
    if partner.partner_type is not PartnerType.charging_operator:
        problems.append(FieldProblem("partner_id", "charging.party.not_operator"))
    cc, pid = country_code.upper(), party_id.upper()
    if not (len(cc) == 2 and cc.isascii() and cc.isalpha()):
        problems.append(FieldProblem("country_code", "charging.ocpi.pattern"))
    if not (len(pid) == 3 and pid.isascii() and pid.isalnum()):
        problems.append(FieldProblem("party_id", "charging.ocpi.pattern"))
    if problems:
        raise InvalidFields(*problems)
    existing = repository.party(session, cc, pid)
    if existing is not None:
        if existing.partner_id != partner.id:
            raise PartyTaken()
        return existing
    party = ChargingParty(country_code=cc, party_id=pid, partner_id=partner.id, simulated=simulated)
    session.add(party)
    session.flush()
    audit.record(
        session,
        actor,
        "charging.party_registered",
        object_type="partner",
        object_id=partner.id,
        details={"country_code": cc, "party_id": pid},
    )
    return party
