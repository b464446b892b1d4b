"""Reactions to telematics events, run by the worker after commit."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from carecover.accounts.models import Notification
from carecover.customers.models import Customer
from carecover.platform.clock import utc_now
from carecover.platform.events import subscribe
from carecover.telematics.events import AlertRaised, DrivingReportReady, MaintenanceReminderSent
from carecover.telematics.models import (
    Alert,
    BatteryReport,
    CareRequest,
    DrivingMonth,
    MaintenanceReminder,
)
from carecover.telematics.service import quiet
from carecover.telematics.service.battery_reports import SHOP_ADVICE, BatteryNeedsShop
from carecover.telematics.service.care import CareRequested
from carecover.vehicles.models import Vehicle


@subscribe(AlertRaised)
def tell_owner(session: Session, event: AlertRaised) -> None:
    """The owner's inbox gets the alert with its next step (the shop and how far it is); a quiet
    alert waits for the end of the quiet window (``service.quiet``, job telematics.quiet_due)."""
    alert = session.get(Alert, event.alert_id)
    if alert is not None:
        quiet.tell(session, alert, utc_now())


def _owner_user(session: Session, vehicle: Vehicle | None) -> uuid.UUID | None:
    owner = session.get(Customer, vehicle.owner_id) if vehicle else None
    return owner.user_id if owner is not None else None


@subscribe(MaintenanceReminderSent)
def remind_owner(session: Session, event: MaintenanceReminderSent) -> None:
    """The owner's inbox gets the reminder: the most urgent item and how many need the visit."""
    reminder = session.get(MaintenanceReminder, event.reminder_id)
    vehicle = session.get(Vehicle, event.vehicle_id)
    user_id = _owner_user(session, vehicle)
    if reminder is None or vehicle is None or user_id is None or not reminder.items:
        return
    key = f"notice.maintenance.{reminder.status}.{reminder.items[0]}"
    params = {"car": f"{vehicle.make} {vehicle.model}", "count": len(reminder.items)}
    session.add(Notification(user_id=user_id, message_key=key, params=params))


@subscribe(DrivingReportReady)
def report_to_owner(session: Session, event: DrivingReportReady) -> None:
    """The owner's inbox gets the month's score (and the UBI factor proposed, if any)."""
    row = session.get(DrivingMonth, (event.vehicle_id, event.month))
    vehicle = session.get(Vehicle, event.vehicle_id)
    user_id = _owner_user(session, vehicle)
    if row is None or row.score is None or vehicle is None or user_id is None:
        return
    params: dict[str, object] = {"car": f"{vehicle.make} {vehicle.model}", "month": row.month}
    params |= {"score": row.score, "km": round(row.distance_km)}
    key = "notice.driving.report_ready"
    if row.ubi_factor is not None:
        params["factor"], key = f"{row.ubi_factor:.2f}", key + ".ubi"
    session.add(Notification(user_id=user_id, message_key=key, params=params))


@subscribe(BatteryNeedsShop)
def battery_to_owner(session: Session, event: BatteryNeedsShop) -> None:
    """The owner hears that the battery needs a shop: the advice, and the nearest certified one."""
    report = session.get(BatteryReport, event.report_id)
    vehicle = session.get(Vehicle, event.vehicle_id)
    user_id = _owner_user(session, vehicle)
    if report is None or vehicle is None or user_id is None:
        return
    codes = [a["code"] for a in report.advice if a["code"] in SHOP_ADVICE]
    if not codes:
        return
    advice = codes[0]
    params: dict[str, object] = {"car": f"{vehicle.make} {vehicle.model}", "advice": advice}
    key = f"notice.battery.{advice}"
    if report.shop:
        params |= {"shop": report.shop["name"], "km": report.shop["distance_km"]}
        key += ".shop"
    session.add(Notification(user_id=user_id, message_key=key, params=params))


@subscribe(CareRequested)
def confirm_care(session: Session, event: CareRequested) -> None:
    """The owner's inbox confirms the request (and names the shop or charger when there is one)."""
    row = session.get(CareRequest, event.request_id)
    vehicle = session.get(Vehicle, event.vehicle_id)
    user_id = _owner_user(session, vehicle)
    if row is None or vehicle is None or user_id is None:
        return
    key, params = f"notice.care.{row.kind}", {"car": f"{vehicle.make} {vehicle.model}"}
    if site := row.details.get("site"):
        params["site"], key = site["name"], key + ".site"
    session.add(Notification(user_id=user_id, message_key=key, params=params))
