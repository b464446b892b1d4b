"""``bulk``: many changed rows of one table in one UPDATE on PostgreSQL (``write_back`` from ORM
objects, ``update_rows`` from plain rows), IN-lists as one array, loaded objects expired."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, select, text
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


def _devices(session: Session, n: int) -> list[Device]:
    made = []
    for _ in range(n):
        car = make_insured(session).car
        made.append(devices.register(session, Actor.system(), car.id, DeviceKind.obd_dongle)[0])
    session.flush()
    return made


def test_update_rows_sets_only_the_columns_each_row_holds(session: Session) -> None:
    a, b, c = _devices(session, 3)
    seen = utc_now() - timedelta(minutes=1)
    table, columns = Device.__table__, ("last_seen_at", "last_seq")
    first = [{"id": a.id, "last_seen_at": seen, "last_seq": 7}, {"id": b.id, "last_seq": 3}]
    bulk.update_rows(session, table, "id", columns, first)
    then = [{"id": a.id, "last_seq": None}, {"id": c.id}]  # None sets NULL; c: nothing to set
    bulk.update_rows(session, table, "id", columns, then)
    session.expire_all()
    rows = dict(
        (r.id, (r.last_seen_at, r.last_seq))
        for r in session.execute(select(Device.id, Device.last_seen_at, Device.last_seq))
    )
    assert rows[a.id] == (seen, None)
    assert rows[b.id] == (None, 3)
    assert rows[c.id] == (None, None)
    naive = datetime(2026, 12, 7, 8, 30)  # noqa: DTZ001 - the point of the test
    late = [{"id": a.id, "last_seen_at": naive}]
    with pytest.raises(ValueError, match="naive"):
        bulk.update_rows(session, table, "id", ["last_seen_at"], late)


@pytest.mark.skipif(DIALECT != "postgresql", reason="a PostgreSQL statement")
def test_update_rows_is_one_statement_on_postgresql(session: Session) -> None:
    made = _devices(session, 4)
    statements: list[str] = []
    event.listen(session.connection(), "before_cursor_execute", lambda *a: statements.append(a[2]))
    rows = [{"id": d.id, "last_seq": n} if n % 2 else {"id": d.id} for n, d in enumerate(made)]
    bulk.update_rows(session, Device.__table__, "id", ["last_seq"], rows)
    assert len(statements) == 1
    assert "jsonb_to_recordset" in statements[0]
    stored = session.execute(select(Device.id, Device.last_seq)).all()
    assert {i: s for i, s in stored if i in {d.id for d in made}} == {
        d.id: (n if n % 2 else None) for n, d in enumerate(made)
    }


def test_any_of_is_an_in_list_with_one_parameter_on_postgresql(session: Session) -> None:
    made = _devices(session, 3)
    wanted = [made[0].device_no, made[2].device_no, "DNOSUCH"]
    statements: list[tuple[str, Any]] = []
    event.listen(
        session.connection(), "before_cursor_execute", lambda *a: statements.append((a[2], a[3]))
    )
    found = session.scalars(select(Device.id).where(bulk.any_of(session, Device.device_no, wanted)))
    assert set(found) == {made[0].id, made[2].id}
    [(statement, params)] = statements
    if DIALECT == "postgresql":
        assert "ANY" in statement
        assert len(params) == 1
    else:
        assert statement.count("?") == 3


@pytest.mark.skipif(DIALECT != "postgresql", reason="a PostgreSQL array literal")
def test_uuid_array_is_read_back_as_the_same_ids(session: Session) -> None:
    ids = [uuid.uuid4() for _ in range(5)]
    literal = bulk.uuid_array(ids)
    assert literal == "{" + ",".join(f'"{i}"' for i in ids) + "}"
    back = session.execute(text("SELECT CAST(:ids AS uuid[])"), {"ids": literal}).scalar_one()
    assert back == ids
    empty = {"ids": bulk.uuid_array([])}
    assert session.execute(text("SELECT CAST(:ids AS uuid[])"), empty).scalar_one() == []


def test_expire_cached_makes_loaded_objects_read_what_was_written(session: Session) -> None:
    a, b = _devices(session, 2)
    assert (a.last_seq, b.last_seq) == (None, None)
    rows = [{"id": a.id, "last_seq": 11}, {"id": b.id, "last_seq": 12}]
    bulk.update_rows(session, Device.__table__, "id", ["last_seq"], rows)
    assert a.last_seq is None  # written around the ORM: the loaded object does not know
    bulk.expire_cached(session, Device, [a.id])
    assert (a.last_seq, b.last_seq) == (11, None)
    bulk.expire_cached(session, Device, {b.id, uuid.uuid4()})
    assert b.last_seq == 12
