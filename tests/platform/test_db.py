"""The schema: migrations agree with the models on this dialect, timestamps stay UTC,
the audit log is append-only at the database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.orm import Session

from carecover.platform.audit import AuditEntry, record
from carecover.platform.context import Actor
from carecover.platform.db import Base, include_name, migrate
from carecover.platform.db.session import Database
from carecover.platform.ids import new_id
from carecover.platform.jobs import Job
from tests.dbutil import DatabaseFactory


def test_migrations_match_the_models(database: Database) -> None:
    with database.engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(
                conn, opts={"compare_type": True, "include_name": include_name}
            ),
            Base.metadata,
        )
    assert diff == []


def test_migrations_go_down_and_up_again(db_factory: DatabaseFactory) -> None:
    url = db_factory.empty()
    migrate.upgrade(url)
    assert migrate.current_heads(url) == [migrate.head_revision()]
    migrate.downgrade(url, "base")
    assert migrate.current_heads(url) == []
    db = Database(url)
    try:
        assert "users" not in inspect(db.engine).get_table_names()
    finally:
        db.dispose()
    migrate.upgrade(url)
    assert migrate.current_heads(url) == [migrate.head_revision()]


def test_constraint_names_follow_the_convention(database: Database) -> None:
    insp = inspect(database.engine)
    assert insp.get_pk_constraint("users")["name"] == "pk_users"
    fks = {fk["name"] for fk in insp.get_foreign_keys("users")}
    assert fks == {"fk_users_organisation_id_organisations"}


def test_datetimes_round_trip_as_aware_utc(session: Session) -> None:
    shanghai = timezone(timedelta(hours=8))
    job = Job(name="x", args={"k": "值"}, run_at=datetime(2026, 11, 25, 18, 0, tzinfo=shanghai))
    session.add(job)
    session.flush()
    session.expire_all()
    loaded = session.get(Job, job.id)
    assert loaded is not None
    assert loaded.run_at == datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
    assert loaded.run_at.tzinfo is not None
    assert loaded.args == {"k": "值"}


def test_naive_datetimes_are_refused(session: Session) -> None:
    session.add(Job(name="x", args={}, run_at=datetime(2026, 1, 1)))  # noqa: DTZ001
    with pytest.raises(StatementError, match="naive datetime"):
        session.flush()


def test_audit_log_refuses_update_and_delete(session: Session) -> None:
    entry = record(session, Actor.system("req1"), "test.thing", object_type="thing", object_id=1)
    for statement in (
        "UPDATE audit_log SET action = 'forged' WHERE id = :id",
        "DELETE FROM audit_log WHERE id = :id",
    ):
        nested = session.begin_nested()
        with pytest.raises(DBAPIError, match="append-only"):
            session.execute(text(statement), {"id": entry.id})
        nested.rollback()
    session.expire_all()
    kept = session.get(AuditEntry, entry.id)
    assert kept is not None
    assert kept.action == "test.thing"


def test_new_ids_sort_by_creation_time() -> None:
    ids = [new_id() for _ in range(200)]
    assert all(i.version == 7 for i in ids)
    assert [i.bytes[:6] for i in ids] == sorted(i.bytes[:6] for i in ids)
    assert len(set(ids)) == 200


def test_ids_made_in_one_millisecond_keep_their_order() -> None:
    ids = [new_id() for _ in range(5_000)]  # thousands land in the same millisecond
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
