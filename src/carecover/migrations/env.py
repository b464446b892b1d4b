"""Alembic environment: one metadata, batch mode on SQLite, URL from settings or the caller."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from carecover.entrypoints.registry import load_models
from carecover.platform.config import get_settings
from carecover.platform.db import Base, include_name
from carecover.platform.db.session import build_engine, normalise_url

load_models()
target_metadata = Base.metadata
config = context.config


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


def run() -> None:
    existing = config.attributes.get("connection")
    if existing is not None:
        _run(existing)
        return
    url = config.get_main_option("sqlalchemy.url") or get_settings().database_url
    if context.is_offline_mode():
        context.configure(
            url=normalise_url(url), target_metadata=target_metadata, literal_binds=True
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = build_engine(url)
    try:
        with engine.connect() as connection:
            _run(connection)
    finally:
        engine.dispose()


run()
