"""``bulk.write_back``: many changed rows of one table in one UPDATE (PostgreSQL)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from carecover.platform.clock import utc_now
from carecover.platform.context import Actor
from carecover.platform.db import bulk
from carecover.telematics.enums import DeviceKind
from carecover.telematics.models import Device
from carecover.telematics.service import devices
from tests.dbutil import DIALECT
from tests.factories.claims import make_insured


@pytest.mark.skipif(DIALECT != "postgresql", reason="a PostgreSQL statement")
def test_changed_objects_are_saved_in_one_statement_and_not_flushed_again(
    session: Session,
) -> None:
    made = []
    for _ in range(3):
        car = make_insured(session).car
        made.append(devices.register(session, Actor.system(), car.id, DeviceKind.obd_dongle)[0])
    session.flush()
    seen = utc_now() - timedelta(seconds=5)
    statements: list[str] = []
    bind = session.connection()
    event.listen(bind, "before_cursor_execute", lambda *a: statements.append(a[2]))
    with session.no_autoflush:
        for n, device in enumerate(made):
            device.last_seen_at, device.last_seq = seen, 100 + n
        bulk.write_back(session, made, key="id", only=("last_seen_at", "last_seq"))
    session.flush()
    updates = [s for s in statements if s.lstrip().upper().startswith("UPDATE")]
    assert len(updates) == 1
    assert "jsonb_to_recordset" in updates[0]
    session.expire_all()
    rows = session.execute(
        select(Device.last_seq, Device.last_seen_at).where(Device.id.in_([d.id for d in made]))
    ).all()
    assert sorted(r.last_seq for r in rows) == [100, 101, 102]
    assert {r.last_seen_at for r in rows} == {seen}


def test_json_and_null_values_round_trip() -> None:
    text = bulk.recordset([{"k": 1, "j": {"a": [1.5, None]}, "n": None}])
    assert text == '[{"k":1,"j":{"a":[1.5,null]},"n":null}]'
    when = datetime(2026, 12, 7, 8, 30, 1, 250, tzinfo=UTC)
    ident = uuid.UUID("0191f3a0-0000-7000-8000-000000000000")
    assert bulk.recordset([{"t": when, "id": ident}]) == (
        '[{"t":"2026-12-07T08:30:01.000250Z","id":"0191f3a0-0000-7000-8000-000000000000"}]'
    )
    with pytest.raises(TypeError, match="not JSON serialisable"):
        bulk.recordset([{"x": object()}])


@pytest.mark.skipif(DIALECT != "postgresql", reason="a PostgreSQL statement")
def test_a_naive_time_is_refused(session: Session) -> None:
    car = make_insured(session).car
    device, _ = devices.register(session, Actor.system(), car.id, DeviceKind.obd_dongle)
    session.flush()
    with session.no_autoflush:
        device.last_seen_at = datetime(2026, 12, 7, 8, 30)  # noqa: DTZ001 - the point of the test
        with pytest.raises(ValueError, match="naive"):
            bulk.write_back(session, [device], key="id", only=("last_seen_at",))
        session.expunge(device)
