"""Test fixtures: a migrated database per run (SQLite, or PostgreSQL when
CARECOVER_TEST_DIALECT=postgresql), a rolled-back transaction per test, an app bound to it."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

_WORKDIR = Path(tempfile.mkdtemp(prefix="carecover-tests-"))
# Settings for the whole run, before any carecover module reads them.
os.environ.update(
    {
        "CARECOVER_ENV": "test",
        "CARECOVER_SECRET_KEY": "test-secret-key-0123456789abcdef0123456789",
        "CARECOVER_JWT_SECRET": "test-jwt-secret-0123456789abcdef0123456789",
        "CARECOVER_DEV_KEYS_FILE": str(_WORKDIR / "dev-keys.json"),
        "CARECOVER_EMBEDDED_WORKER": "false",
        "CARECOVER_LOGIN_MAX_FAILURES": "3",
        "CARECOVER_LOGIN_LOCKOUT_SECONDS": "120",
        "CARECOVER_DATABASE_URL": f"sqlite:///{_WORKDIR / 'unused.db'}",
    }
)

from fastapi import FastAPI  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy import Connection  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from carecover.entrypoints import registry  # noqa: E402
from carecover.entrypoints.app import create_app  # noqa: E402
from carecover.platform.config import Settings, get_settings  # noqa: E402
from carecover.platform.db.session import Database  # noqa: E402
from tests.dbutil import DIALECT, DatabaseFactory  # noqa: E402

registry.load_all()


def pytest_report_header(config: pytest.Config) -> str:
    return f"carecover test database: {DIALECT}"


@pytest.fixture(scope="session")
def db_factory() -> Iterator[DatabaseFactory]:
    factory = DatabaseFactory(_WORKDIR)
    yield factory
    factory.drop_all()


@pytest.fixture(scope="session")
def settings(db_factory: DatabaseFactory) -> Settings:
    return get_settings()


@pytest.fixture(scope="session")
def database(db_factory: DatabaseFactory) -> Iterator[Database]:
    db = Database(db_factory.fresh())
    yield db
    db.dispose()


@pytest.fixture
def connection(database: Database) -> Iterator[Connection]:
    with database.engine.connect() as conn:
        outer = conn.begin()
        yield conn
        outer.rollback()


class BoundDatabase(Database):
    """A Database whose sessions all join the test's outer transaction (savepoints)."""

    def __init__(self, connection: Connection, url: str) -> None:
        self.url = url
        self.engine = connection.engine
        self._connection = connection

    def session(self) -> Session:
        return Session(
            bind=self._connection,
            join_transaction_mode="create_savepoint",
            expire_on_commit=False,
        )


@pytest.fixture
def bound_db(connection: Connection, database: Database) -> BoundDatabase:
    return BoundDatabase(connection, database.url)


@pytest.fixture
def session(bound_db: BoundDatabase) -> Iterator[Session]:
    s = bound_db.session()
    yield s
    s.close()


@pytest.fixture
def app(settings: Settings, bound_db: BoundDatabase) -> FastAPI:
    return create_app(settings, bound_db, embedded_worker=False)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://testserver") as c:
        yield c


@pytest.fixture
def fresh_db(db_factory: DatabaseFactory) -> Iterator[Database]:
    """A private migrated database for tests that need real commits from several sessions."""
    db = Database(db_factory.fresh())
    yield db
    db.dispose()
