"""Day partitions of the readings table on PostgreSQL; SQLite keeps one table."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from carecover.platform.clock import utc_now
from carecover.platform.context import Actor
from carecover.platform.db.session import Database
from carecover.telematics.enums import DeviceKind
from carecover.telematics.models import Reading
from carecover.telematics.service import devices, ingest, partitions
from tests.dbutil import DIALECT
from tests.factories.claims import make_insured


def _where(session: Session, when: datetime) -> str:
    """The partition holding the reading stored at ``when``."""
    return str(
        session.execute(
            text("SELECT tableoid::regclass::text FROM telematics_readings WHERE device_time = :t"),
            {"t": when},
        ).scalar_one()
    )


def test_readings_land_in_their_day_and_a_late_day_is_moved_out_of_the_default(
    fresh_db: Database,
) -> None:
    now = utc_now()
    with fresh_db.session() as session, session.begin():
        car = make_insured(session).car
        device, _ = devices.register(session, Actor.system(), car.id, DeviceKind.ev_box)
        fresh = now - timedelta(minutes=3)
        ingest.ingest(session, device, [{"seq": 1, "ts": fresh.isoformat(), "soc": 70.0}], now=now)
    if DIALECT != "postgresql":
        with fresh_db.session() as session:
            assert partitions.ensure(session, date(2020, 1, 1), date(2020, 1, 3)) == []
            assert session.scalar(select(func.count()).select_from(Reading)) == 1
        return
    with fresh_db.session() as session, session.begin():
        assert _where(session, fresh) == partitions.name_of(fresh.date())
        # a day outside the window has no partition yet: its readings wait in the default one
        far = datetime(2031, 5, 4, 8, 30, tzinfo=UTC)
        session.execute(
            text(
                "INSERT INTO telematics_readings (device_id, seq, device_time, vehicle_id,"
                " received_at, data) VALUES (:d, 2, :t, :v, :t, '{}')"
            ),
            {"d": device.id, "t": far, "v": car.id},
        )
        assert _where(session, far) == partitions.DEFAULT
        made = partitions.ensure(session, date(2031, 5, 3), date(2031, 5, 5))
        assert made == ["telematics_readings_p20310503", "telematics_readings_p20310504",
                        "telematics_readings_p20310505"]  # fmt: skip
        assert _where(session, far) == "telematics_readings_p20310504"
        assert partitions.ensure(session, date(2031, 5, 3), date(2031, 5, 5)) == []
        assert session.scalar(select(func.count()).select_from(Reading)) == 2


def test_the_window_covers_a_month_back_and_a_week_ahead(fresh_db: Database) -> None:
    with fresh_db.session() as session, session.begin():
        partitions.ensure_window(session, utc_now())
        if DIALECT != "postgresql":
            return
        have = partitions.existing(session)
    today = utc_now().date()
    for offset in (-partitions.BEHIND_DAYS, 0, partitions.AHEAD_DAYS):
        assert partitions.name_of(today + timedelta(days=offset)) in have
    assert partitions.DEFAULT in have
