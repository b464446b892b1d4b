"""Creating throw-away databases for tests, on SQLite or PostgreSQL, already migrated."""

from __future__ import annotations

import os
import secrets
import shutil
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from carecover.platform.db import migrate
from carecover.platform.db.session import normalise_url

DIALECT = os.environ.get("CARECOVER_TEST_DIALECT", "sqlite")
PG_URL = normalise_url(
    os.environ.get(
        "CARECOVER_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    )
)


class DatabaseFactory:
    """Migrates one template database, then hands out copies of it (fast, always clean)."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.dialect = DIALECT
        self.created: list[str] = []
        self.prefix = f"cc_{secrets.token_hex(4)}"
        self.template_url = self._new_empty("tpl")
        migrate.upgrade(self.template_url)

    def _admin_engine(self):  # type: ignore[no-untyped-def]
        return create_engine(PG_URL, isolation_level="AUTOCOMMIT")

    def _new_empty(self, name: str, template: str | None = None) -> str:
        if self.dialect == "sqlite":
            path = self.workdir / f"{self.prefix}_{name}.db"
            if template is not None:
                shutil.copyfile(make_url(template).database or "", path)
            return f"sqlite:///{path}"
        dbname = f"{self.prefix}_{name}"
        engine = self._admin_engine()
        try:
            with engine.connect() as conn:
                clause = f" TEMPLATE {make_url(template).database}" if template else ""
                conn.execute(text(f'CREATE DATABASE "{dbname}"{clause}'))
        finally:
            engine.dispose()
        self.created.append(dbname)
        return PG_URL.rsplit("/", 1)[0] + f"/{dbname}"

    def fresh(self) -> str:
        """A new migrated database (a copy of the template)."""
        return self._new_empty(secrets.token_hex(4), template=self.template_url)

    def empty(self) -> str:
        """A new database with no tables at all (for migration tests)."""
        return self._new_empty("e" + secrets.token_hex(4))

    def drop_all(self) -> None:
        if self.dialect != "postgresql":
            return
        engine = self._admin_engine()
        try:
            with engine.connect() as conn:
                for dbname in reversed(self.created):
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)'))
        finally:
            engine.dispose()
