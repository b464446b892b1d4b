"""Who may see and change a partner: staff, or the partner's own users (per organisation)."""

from __future__ import annotations

from carecover.partners.errors import PartnerNotFound
from carecover.partners.models import Partner
from carecover.platform.auth.roles import PARTNER_ROLES, Permission, has_permission
from carecover.platform.context import Actor
from carecover.platform.errors import Forbidden


def ensure_can_read(actor: Actor, partner: Partner) -> None:
    """Staff see every partner; partner users only their own; anyone else finds nothing."""
    if actor.role is None or has_permission(actor.role, Permission.staff_console):
        return  # None is the platform itself (seed, jobs)
    if actor.role in PARTNER_ROLES and actor.organisation_id == partner.organisation_id:
        return
    raise PartnerNotFound()  # do not reveal that another partner exists


def ensure_can_manage(actor: Actor, partner: Partner) -> None:
    """Sites and qualifications: network management, or the partner's own admin."""
    ensure_can_read(actor, partner)
    if actor.role is None or has_permission(actor.role, Permission.organisations_manage):
        return
    own = actor.organisation_id == partner.organisation_id
    if own and has_permission(actor.role, Permission.partner_team_manage):
        return
    raise Forbidden()
