"""Quiet hours on the ingest path: a non-urgent alert raised at night is marked quiet (its notice
waits for the morning), an urgent one never is."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from carecover.platform.clock import utc_now
from carecover.platform.context import Actor
from carecover.telematics.enums import DeviceKind
from carecover.telematics.service import devices, ingest
from tests.factories.claims import make_insured

BEIJING = ZoneInfo("Asia/Shanghai")


def _last_local(hour: int, minute: int) -> datetime:
    """The latest moment at hour:minute Beijing time that is at least an hour ago."""
    local = (utc_now() - timedelta(hours=1)).astimezone(BEIJING)
    at = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
    return at if at <= local else at - timedelta(days=1)


def _tyres(start: datetime, fl: list[float]) -> list[dict[str, object]]:
    return [
        {
            "seq": n,
            "ts": int((start + timedelta(minutes=n)).timestamp() * 1000),
            "speed": 50.0,
            "ign": True,
            "tyres": {
                "fl": [kpa, 25.0],
                "fr": [236.0, 25.0],
                "rl": [235.0, 25.0],
                "rr": [236.0, 25.0],
            },
        }
        for n, kpa in enumerate(fl)
    ]


def test_a_low_tyre_at_night_is_quiet_and_a_puncture_is_not(session: Session) -> None:
    night = _last_local(23, 30)
    car = make_insured(session).car
    device, _ = devices.register(session, Actor.system(), car.id, DeviceKind.obd_dongle)
    low = ingest.ingest(session, device, _tyres(night, [170.0] * 8), now=utc_now())
    assert [(a.code, a.severity, a.quiet) for a in low.alerts] == [
        ("tyre_pressure_low", "warning", True)
    ]
    other = make_insured(session).car
    device2, _ = devices.register(session, Actor.system(), other.id, DeviceKind.obd_dongle)
    falling = [236.0, 236.0, 236.0, 220.0, 200.0, 180.0, 160.0, 140.0, 120.0]
    burst = ingest.ingest(session, device2, _tyres(night, falling), now=utc_now())
    assert [(a.severity, a.quiet) for a in burst.alerts if a.severity == "urgent"] == [
        ("urgent", False)
    ]


def test_the_same_low_tyre_at_noon_is_not_quiet(session: Session) -> None:
    noon = _last_local(12, 0)
    car = make_insured(session).car
    device, _ = devices.register(session, Actor.system(), car.id, DeviceKind.obd_dongle)
    low = ingest.ingest(session, device, _tyres(noon, [170.0] * 8), now=utc_now())
    assert [(a.code, a.quiet) for a in low.alerts] == [("tyre_pressure_low", False)]
