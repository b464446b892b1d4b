"""Quiet hours for alert notices: a quiet alert (raised in the owner's do-not-disturb window and
not urgent, ``rules.QuietHours``) reaches the inbox when the window ends, not at once.

The handler of ``AlertRaised`` calls ``tell``: an urgent or daytime alert is put in the inbox now;
a quiet one gets ``deliver_after`` (the end of the window) and waits. The ``telematics.quiet_due``
job delivers the waiting ones. A notice exists only once delivered, so the inbox and its count
never show a deferred alert early; ``delivered_at`` makes delivery happen once per alert.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from carecover.accounts.models import Notification
from carecover.customers.models import Customer
from carecover.platform.clock import ensure_utc
from carecover.telematics.models import Alert
from carecover.telematics.service.rules import QuietHours
from carecover.vehicles.models import Vehicle

QUIET = QuietHours()
"""The default window (22:00-07:00 Beijing time); owners cannot change it yet."""


def quiet_until(at: datetime, hours: QuietHours = QUIET) -> datetime:
    """When the quiet window holding ``at`` ends (``at`` itself when outside the window)."""
    if not hours.contains(at):
        return at
    zone = ZoneInfo(hours.zone)
    local = at.astimezone(zone)
    end = local.replace(hour=hours.end.hour, minute=hours.end.minute, second=0, microsecond=0)
    if end <= local:
        end = (local + timedelta(days=1)).replace(
            hour=hours.end.hour, minute=hours.end.minute, second=0, microsecond=0
        )
    return end.astimezone(UTC)


def notice_of(alert: Alert) -> tuple[str, dict[str, object]]:
    """The inbox message for an alert: its key and parameters (with the shop and how far)."""
    action = alert.action
    params: dict[str, object] = {"wheel": alert.wheel or "", **alert.params}
    key = f"notice.alert.{alert.code}"
    if action.get("kind") == "shop" and action.get("name"):
        params |= {"shop": action["name"], "km": action.get("distance_km", "")}
        key += ".shop"
    return key, params


def _deliver(session: Session, alert: Alert, now: datetime) -> bool:
    vehicle = session.get(Vehicle, alert.vehicle_id)
    owner = session.get(Customer, vehicle.owner_id) if vehicle else None
    alert.delivered_at = now
    if owner is None or owner.user_id is None:
        return False
    key, params = notice_of(alert)
    session.add(Notification(user_id=owner.user_id, message_key=key, params=params))
    return True


def tell(session: Session, alert: Alert, now: datetime) -> bool:
    """Tell the owner now, or hold a quiet alert until its window ends; True if told now."""
    if alert.delivered_at is not None:
        return False  # redelivered event: told once already
    if alert.quiet:
        until = quiet_until(ensure_utc(alert.raised_at))
        if until > now:
            alert.deliver_after = until
            return False
    return _deliver(session, alert, now)


def waiting(session: Session, now: datetime, limit: int = 500) -> Sequence[Alert]:
    return session.scalars(
        select(Alert)
        .where(
            Alert.deliver_after.is_not(None),
            Alert.deliver_after <= now,
            Alert.delivered_at.is_(None),
        )
        .order_by(Alert.deliver_after)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()


def deliver_due(session: Session, now: datetime) -> int:
    """Put every quiet alert whose window has ended in its owner's inbox; returns how many."""
    return sum(_deliver(session, alert, now) for alert in waiting(session, now))
