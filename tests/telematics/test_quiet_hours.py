"""Quiet hours: a quiet alert's notice waits for the end of the owner's quiet window (22:00-07:00
Beijing time), invisible in the inbox until then, delivered once; urgent ones go at once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from carecover.accounts.models import Notification
from carecover.accounts.repository import list_notifications
from carecover.platform.clock import utc_now
from carecover.telematics.events import AlertRaised
from carecover.telematics.handlers import tell_owner
from carecover.telematics.jobs import deliver_quiet_alerts
from carecover.telematics.models import Alert
from carecover.telematics.service import quiet
from carecover.telematics.service.care import BEIJING
from tests.factories.claims import Insured, make_insured


def test_the_quiet_window_ends_at_seven_in_the_morning_beijing_time() -> None:
    late = datetime(2026, 3, 10, 23, 30, tzinfo=BEIJING)
    early = datetime(2026, 3, 11, 3, 0, tzinfo=BEIJING)
    noon = datetime(2026, 3, 11, 12, 0, tzinfo=BEIJING)
    morning = datetime(2026, 3, 11, 7, 0, tzinfo=BEIJING).astimezone(UTC)
    assert quiet.quiet_until(late) == morning
    assert quiet.quiet_until(early) == morning
    assert quiet.quiet_until(noon) == noon
    seven = datetime(2026, 3, 11, 7, 0, tzinfo=BEIJING)
    assert quiet.quiet_until(seven) == seven  # the window ends at 07:00: not quiet any more


def alert(session: Session, insured: Insured, *, raised_at: datetime, quiet_: bool) -> Alert:
    row = Alert(
        vehicle_id=insured.car.id,
        code="battery_12v_low",
        severity="warning" if quiet_ else "urgent",
        wheel=None,
        params={},
        episode_key=f"12v:{raised_at.timestamp()}",
        quiet=quiet_,
        action={"kind": "shop", "name": "徐汇店", "distance_km": 1.2, "location_id": "x"},
        raised_at=raised_at,
        created_at=raised_at,
    )
    session.add(row)
    session.flush()
    return row


def notices(session: Session, insured: Insured) -> list[Notification]:
    return list(
        session.scalars(select(Notification).where(Notification.user_id == insured.owner.id))
    )


def raise_event(session: Session, row: Alert) -> None:
    tell_owner(
        session,
        AlertRaised(
            alert_id=row.id, vehicle_id=row.vehicle_id, code=row.code, severity=row.severity
        ),
    )


def test_a_quiet_alert_reaches_the_inbox_when_the_window_ends(session: Session) -> None:
    insured = make_insured(session)
    today = utc_now().astimezone(BEIJING).date()
    night = datetime(today.year, today.month, today.day, 23, 30, tzinfo=BEIJING)
    row = alert(session, insured, raised_at=night, quiet_=True)
    raise_event(session, row)
    morning = datetime(today.year, today.month, today.day, 7, 0, tzinfo=BEIJING) + timedelta(days=1)
    assert row.deliver_after == morning.astimezone(UTC)
    assert row.delivered_at is None
    assert notices(session, insured) == []
    assert list_notifications(session, insured.owner.id) == []  # the inbox count stays at 0

    assert quiet.deliver_due(session, morning - timedelta(seconds=1)) == 0
    assert quiet.deliver_due(session, morning + timedelta(minutes=1)) == 1
    [note] = notices(session, insured)
    assert note.message_key == "notice.alert.battery_12v_low.shop"
    assert note.params["shop"] == "徐汇店"
    assert quiet.deliver_due(session, morning + timedelta(hours=1)) == 0  # delivered once
    raise_event(session, row)  # a redelivered event tells nobody twice
    assert len(notices(session, insured)) == 1


def test_urgent_alerts_are_told_at_once_and_only_once(session: Session) -> None:
    insured = make_insured(session)
    row = alert(session, insured, raised_at=utc_now(), quiet_=False)
    raise_event(session, row)
    raise_event(session, row)
    assert row.delivered_at is not None
    assert row.deliver_after is None
    assert [n.message_key for n in notices(session, insured)] == [
        "notice.alert.battery_12v_low.shop"
    ]


def test_a_quiet_alert_whose_window_has_passed_goes_at_once(session: Session) -> None:
    insured = make_insured(session)
    long_ago = utc_now() - timedelta(days=2)
    row = alert(session, insured, raised_at=long_ago, quiet_=True)
    raise_event(session, row)
    assert len(notices(session, insured)) == 1


def test_the_job_delivers_what_is_due(session: Session) -> None:
    insured = make_insured(session)
    row = alert(session, insured, raised_at=utc_now() - timedelta(hours=9), quiet_=True)
    row.deliver_after = utc_now() - timedelta(minutes=1)
    session.flush()
    deliver_quiet_alerts(session)
    assert row.delivered_at is not None
    assert len(notices(session, insured)) == 1
