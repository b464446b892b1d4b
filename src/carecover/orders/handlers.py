"""Reactions the orders domain has to other domains' events, and its own notifications.

- A telematics care request of kind ``rescue`` (the owner tapped "rescue" under an alert)
  becomes an order for the service the alert calls for — a crash or a stop-now fault a tow, a
  puncture a tyre change, a flat 12 V battery a jump start, an empty EV emergency charging —
  when the owner's package covers it; otherwise the owner is asked to confirm the price in the
  app (no charge without consent).
- A charging failure reported by the owner (``charging.failure_reported``) becomes a free tow
  from the charger (MISSION.md D5).
- The partner's users hear of each offer; the owner of each step and of completion (with the
  request to rate the service).
"""

from __future__ import annotations

import structlog
from sqlalchemy import select
from sqlalchemy.orm import Session

from carecover.accounts.models import Notification
from carecover.benefits.enums import ServiceType
from carecover.charging.events import ChargingFailureReported
from carecover.customers.models import Customer
from carecover.orders.enums import OrderChannel
from carecover.orders.errors import DuplicateOrder, OutsideServiceArea, PriceNotAccepted
from carecover.orders.events import OfferMade, OrderCompleted, OrderStepped
from carecover.orders.models import ServiceOrder
from carecover.orders.service import dispatching
from carecover.orders.service.orders import OrderRequest
from carecover.partners.models import Partner
from carecover.platform.auth.models import User
from carecover.platform.clock import utc_now
from carecover.platform.context import Actor
from carecover.platform.events import subscribe
from carecover.telematics.models import Alert, CareRequest
from carecover.telematics.service.care import CareRequested
from carecover.vehicles.models import Vehicle

log = structlog.get_logger(__name__)

SERVICE_FOR_ALERT: dict[str, ServiceType] = {
    "crash": ServiceType.tow,
    "dtc": ServiceType.tow,
    "tyre_puncture": ServiceType.tyre_change,
    "tyre_pressure_low": ServiceType.tyre_change,
    "tyre_slow_leak": ServiceType.tyre_change,
    "low_12v": ServiceType.jump_start,
    "soc_low": ServiceType.emergency_charging,
    "soc_charger_unreachable": ServiceType.emergency_charging,
}


def _owner_user(session: Session, vehicle_id: object) -> User | None:
    vehicle = session.get(Vehicle, vehicle_id)
    owner = session.get(Customer, vehicle.owner_id) if vehicle else None
    return session.get(User, owner.user_id) if owner is not None and owner.user_id else None


def _tell_owner(session: Session, order: ServiceOrder, key: str) -> None:
    user = _owner_user(session, order.vehicle_id)
    if user is not None:
        session.add(
            Notification(
                user_id=user.id,
                message_key=key,
                params={"number": order.number, "service": order.service.value},
            )
        )


@subscribe(CareRequested)
def rescue_from_alert(session: Session, event: CareRequested) -> None:
    if event.kind != "rescue":
        return
    care = session.get(CareRequest, event.request_id)
    if care is None or care.lat is None or care.lng is None:
        return
    alert = session.get(Alert, care.alert_id) if care.alert_id else None
    service = SERVICE_FOR_ALERT.get(alert.code if alert else "", ServiceType.tow)
    user = _owner_user(session, care.vehicle_id)
    actor = Actor(user_id=user.id, role=user.role) if user is not None else Actor.system()
    request = OrderRequest(
        vehicle_id=care.vehicle_id,
        service=service,
        lat=care.lat,
        lng=care.lng,
        channel=OrderChannel.alert,
        source_ref=f"care:{care.id}",
    )
    try:
        order = dispatching.submit(session, actor, request, now=utc_now())
    except PriceNotAccepted:
        if user is not None:
            session.add(
                Notification(
                    user_id=user.id,
                    message_key="notice.orders.confirm_price",
                    params={"service": service.value},
                )
            )
        return
    except (DuplicateOrder, OutsideServiceArea) as error:
        log.info("rescue_from_alert_skipped", reason=error.code, care_request=str(care.id))
        return
    _tell_owner(session, order, "notice.orders.requested")


@subscribe(ChargingFailureReported)
def tow_after_charging_failure(session: Session, event: ChargingFailureReported) -> None:
    """The charger failed the owner: a free flatbed tow from where the car stands (D5)."""
    user = _owner_user(session, event.vehicle_id)
    actor = Actor(user_id=user.id, role=user.role) if user is not None else Actor.system()
    request = OrderRequest(
        vehicle_id=event.vehicle_id,
        service=ServiceType.tow,
        lat=event.lat,
        lng=event.lng,
        channel=OrderChannel.charging_failure,
        source_ref=f"charging:{event.failure_id}",
        free=True,
    )
    try:
        order = dispatching.submit(session, actor, request, now=utc_now())
    except (DuplicateOrder, OutsideServiceArea) as error:
        log.info("charging_tow_skipped", reason=error.code, failure=str(event.failure_id))
        return
    _tell_owner(session, order, "notice.orders.free_tow")


@subscribe(OfferMade)
def tell_partner(session: Session, event: OfferMade) -> None:
    partner = session.get(Partner, event.partner_id)
    order = session.get(ServiceOrder, event.order_id)
    if partner is None or order is None:
        return
    for user_id in session.scalars(
        select(User.id).where(User.organisation_id == partner.organisation_id)
    ):
        session.add(
            Notification(
                user_id=user_id,
                message_key="notice.orders.offer",
                params={"number": order.number, "service": order.service.value},
            )
        )


@subscribe(OrderStepped)
def tell_owner_step(session: Session, event: OrderStepped) -> None:
    order = session.get(ServiceOrder, event.order_id)
    if order is not None and event.status in ("accepted", "en_route", "on_site", "cancelled"):
        _tell_owner(session, order, f"notice.orders.{event.status}")


@subscribe(OrderCompleted)
def ask_for_rating(session: Session, event: OrderCompleted) -> None:
    order = session.get(ServiceOrder, event.order_id)
    if order is not None:
        _tell_owner(session, order, "notice.orders.rate")
        if order.replacement_offered:
            _tell_owner(session, order, "notice.orders.replacement_offer")
