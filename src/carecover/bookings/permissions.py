"""Who may book for a car, see a booking, cancel it, and work a location's day.

Owners act for their own cars; staff who manage customers book and cancel for them (on the
phone); the partner's own users work the bookings at their locations. Anything else is as if it
did not exist (404), so nobody learns that someone else's car or booking exists.
"""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from carecover.bookings.errors import BookingNotFound, LocationNotFound, VehicleNotFound
from carecover.bookings.models import Booking
from carecover.customers import repository as customers
from carecover.customers.models import Customer
from carecover.partners.models import Partner, PartnerLocation
from carecover.platform.auth.roles import PARTNER_ROLES, Permission, Role, has_permission
from carecover.platform.context import Actor
from carecover.platform.errors import Forbidden
from carecover.vehicles.models import Vehicle


def is_platform(actor: Actor) -> bool:
    """The platform itself (seed, jobs, event handlers)."""
    return actor.role is None


def is_staff(actor: Actor, permission: Permission = Permission.customers_read) -> bool:
    return actor.role is not None and has_permission(actor.role, permission)


def customer_of(session: Session, actor: Actor) -> Customer | None:
    """The signed-in owner's customer record."""
    if actor.role is not Role.owner or actor.user_id is None:
        return None
    return customers.get_by_user(session, actor.user_id)


def vehicle_for(session: Session, actor: Actor, vehicle_id: uuid.UUID) -> Vehicle:
    """The car, if the actor may book for it: its owner, customer staff, or the platform."""
    vehicle = session.get(Vehicle, vehicle_id)
    if vehicle is None:
        raise VehicleNotFound()
    if is_platform(actor) or is_staff(actor, Permission.customers_manage):
        return vehicle
    owner = customer_of(session, actor)
    if owner is None or owner.id != vehicle.owner_id:
        raise VehicleNotFound()
    return vehicle


def _partner_of(session: Session, location_id: uuid.UUID) -> Partner | None:
    location = session.get(PartnerLocation, location_id)
    return session.get(Partner, location.partner_id) if location is not None else None


def works_at(session: Session, actor: Actor, location_id: uuid.UUID) -> bool:
    """Whether the actor is a user of the partner that runs the location."""
    if actor.role not in PARTNER_ROLES or actor.organisation_id is None:
        return False
    partner = _partner_of(session, location_id)
    return partner is not None and partner.organisation_id == actor.organisation_id


def booking_to_read(session: Session, actor: Actor, booking_id: uuid.UUID) -> Booking:
    """The booking for its owner, staff, or the location's partner."""
    booking = session.get(Booking, booking_id)
    if booking is None:
        raise BookingNotFound()
    if is_platform(actor) or is_staff(actor) or works_at(session, actor, booking.location_id):
        return booking
    owner = customer_of(session, actor)
    if owner is None or owner.id != booking.customer_id:
        raise BookingNotFound()
    return booking


def booking_to_cancel(session: Session, actor: Actor, booking_id: uuid.UUID) -> Booking:
    """Its owner or customer staff cancel; the partner marks a no-show instead."""
    booking = booking_to_read(session, actor, booking_id)
    if is_platform(actor) or is_staff(actor, Permission.customers_manage):
        return booking
    owner = customer_of(session, actor)
    if owner is None or owner.id != booking.customer_id:
        raise Forbidden()  # staff who only read, or the partner: it is visible to them
    return booking


def booking_to_work(session: Session, actor: Actor, booking_id: uuid.UUID) -> Booking:
    """Check-in, completion and no-show: the location's partner (or the platform)."""
    booking = session.get(Booking, booking_id)
    if booking is None:
        raise BookingNotFound()
    if is_platform(actor) or works_at(session, actor, booking.location_id):
        return booking
    if is_staff(actor):
        raise Forbidden()
    raise BookingNotFound()


def location_to_read(session: Session, actor: Actor, location_id: uuid.UUID) -> PartnerLocation:
    """A location's day of bookings: its partner's users and staff."""
    location = session.get(PartnerLocation, location_id)
    if location is None:
        raise LocationNotFound()
    if is_platform(actor) or is_staff(actor) or works_at(session, actor, location.id):
        return location
    raise LocationNotFound()
