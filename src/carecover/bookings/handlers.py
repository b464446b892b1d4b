"""Reactions to other domains' events, run by the worker after commit."""

from __future__ import annotations

from sqlalchemy.orm import Session

from carecover.accounts.models import Notification
from carecover.bookings.service import offers
from carecover.bookings.service.slots import BEIJING
from carecover.customers.models import Customer
from carecover.partners.models import PartnerLocation
from carecover.platform.events import subscribe
from carecover.telematics.models import CareRequest
from carecover.telematics.service.care import CareRequested
from carecover.vehicles.models import Vehicle


@subscribe(CareRequested)
def offer_maintenance_slots(session: Session, event: CareRequested) -> None:
    """A maintenance request at a shop that takes bookings gets its nearest open slots offered;
    the owner's inbox names the first one and the booking page lets them confirm it."""
    if event.kind != "maintenance":
        return
    request = session.get(CareRequest, event.request_id)
    if request is None:
        return
    already = offers.has_offer(session, request.id)
    offer = offers.offer_for(session, request)
    if offer is None or already:
        return  # nothing to offer, or the owner was told the first time
    vehicle = session.get(Vehicle, offer.vehicle_id)
    owner = session.get(Customer, vehicle.owner_id) if vehicle is not None else None
    site = session.get(PartnerLocation, request.location_id) if request.location_id else None
    if vehicle is None or owner is None or owner.user_id is None or site is None:
        return
    first = offers.slot_start(offer.slots[0]).astimezone(BEIJING)
    session.add(
        Notification(
            user_id=owner.user_id,
            message_key="notice.booking.slots_offered",
            params={
                "car": f"{vehicle.make} {vehicle.model}",
                "site": site.name,
                "when": f"{first:%m-%d %H:%M}",
                "count": len(offer.slots),
            },
        )
    )
