"""Reactions to telematics events, run by the worker after commit."""

from __future__ import annotations

from sqlalchemy.orm import Session

from carecover.accounts.models import Notification
from carecover.customers.models import Customer
from carecover.platform.events import subscribe
from carecover.telematics.events import AlertRaised
from carecover.telematics.models import Alert
from carecover.vehicles.models import Vehicle


@subscribe(AlertRaised)
def tell_owner(session: Session, event: AlertRaised) -> None:
    """The owner's inbox gets the alert with its next step (the shop and how far it is)."""
    alert = session.get(Alert, event.alert_id)
    vehicle = session.get(Vehicle, event.vehicle_id)
    owner = session.get(Customer, vehicle.owner_id) if vehicle else None
    if alert is None or owner is None or owner.user_id is None:
        return
    action = alert.action
    params: dict[str, object] = {"wheel": alert.wheel or "", **alert.params}
    key = f"notice.alert.{alert.code}"
    if action.get("kind") == "shop" and action.get("name"):
        params |= {"shop": action["name"], "km": action.get("distance_km", "")}
        key += ".shop"
    session.add(Notification(user_id=owner.user_id, message_key=key, params=params))
