"""Alerts from the ingest path: a puncture raises one urgent alert with the nearest certified
shop, a redelivered batch raises nothing new, and the owner's inbox gets it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from carecover.accounts.models import Notification
from carecover.platform.clock import utc_now
from carecover.platform.context import Actor
from carecover.platform.i18n import translate
from carecover.telematics.enums import DeviceKind
from carecover.telematics.events import AlertRaised
from carecover.telematics.handlers import tell_owner
from carecover.telematics.models import Alert, VehicleState
from carecover.telematics.service import devices, ingest
from tests.factories.claims import make_insured
from tests.factories.partners import XUHUI, make_partner

NEAR = (31.1905, 121.4390)  # a few hundred metres from the Xuhui shop


def puncture(start_seq: int = 0) -> list[dict[str, object]]:
    """Ten minutes of readings; the front-left tyre loses 12 kPa a minute from minute 3."""
    start = utc_now() - timedelta(minutes=20)
    out = []
    for n in range(11):
        fl = 232.0 - max(0, n - 3) * 12.0
        out.append(
            {
                "seq": start_seq + n,
                "ts": int((start + timedelta(minutes=n)).timestamp() * 1000),
                "lat": NEAR[0],
                "lng": NEAR[1],
                "speed": 45.0,
                "ign": True,
                "tyres": {
                    "fl": [fl, 30.0],
                    "fr": [232.0, 30.0],
                    "rl": [230.0, 29.0],
                    "rr": [231.0, 29.0],
                },
            }
        )
    return out


def test_a_puncture_raises_one_alert_with_the_nearest_shop(session: Session) -> None:
    make_partner(session, location=XUHUI)
    insured = make_insured(session)
    device, _ = devices.register(session, Actor.system(), insured.car.id, DeviceKind.obd_dongle)
    first = ingest.ingest(session, device, puncture(), now=utc_now())
    codes = [(a.code, a.severity, a.wheel) for a in first.alerts]
    assert codes == [("tyre_puncture", "urgent", "fl")]
    action = first.alerts[0].action
    assert action["kind"] == "shop"
    assert action["within_reach"] is True
    assert action["distance_km"] < 3
    again = ingest.ingest(session, device, puncture(), now=utc_now())
    assert again.alerts == []
    stored = session.scalars(select(Alert).where(Alert.vehicle_id == insured.car.id)).all()
    assert len(stored) == 1
    state = session.get(VehicleState, insured.car.id)
    assert state is not None
    assert state.rule_state["v"]  # the rules' memory persists with the car

    alert = stored[0]
    tell_owner(
        session,
        AlertRaised(
            alert_id=alert.id, vehicle_id=insured.car.id, code=alert.code, severity=alert.severity
        ),
    )
    note = session.scalars(
        select(Notification).where(Notification.user_id == insured.owner.id)
    ).one()
    assert note.message_key == "notice.alert.tyre_puncture.shop"
    text = translate(note.message_key, "en", **note.params)
    assert "km away" in text


def test_steady_readings_raise_nothing(session: Session) -> None:
    insured = make_insured(session)
    device, _ = devices.register(session, Actor.system(), insured.car.id, DeviceKind.ev_box)
    start = utc_now() - timedelta(minutes=30)
    steady = [
        {
            "seq": n,
            "ts": int((start + timedelta(minutes=n)).timestamp() * 1000),
            "soc": 70.0 - n * 0.2,
            "range_km": 300.0,
            "pack_t_max": 32.0,
            "cell_v_min": 3.70,
            "cell_v_max": 3.72,
            "lv_v": 14.1,
            "ign": True,
        }
        for n in range(20)
    ]
    assert ingest.ingest(session, device, steady, now=utc_now()).alerts == []
