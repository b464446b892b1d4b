"""Whose car an API caller may read: its owner, or staff who may read customers."""

from __future__ import annotations

import uuid

from carecover.customers import repository as customers
from carecover.platform.auth.roles import Permission, Role, has_permission
from carecover.platform.errors import NotFound
from carecover.platform.http.deps import ApiPrincipal, DbSession
from carecover.vehicles.models import Vehicle


def readable_vehicle(session: DbSession, principal: ApiPrincipal, vehicle_id: uuid.UUID) -> Vehicle:
    """The car, if this caller may see it; otherwise 404 (someone else's car does not exist)."""
    vehicle = session.get(Vehicle, vehicle_id)
    if vehicle is None:
        raise NotFound()
    if principal.role is Role.owner:
        owner = customers.get_by_user(session, principal.user_id)
        if owner is None or owner.id != vehicle.owner_id:
            raise NotFound()
    elif not has_permission(principal.role, Permission.customers_read):
        raise NotFound()
    return vehicle
