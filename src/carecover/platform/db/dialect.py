"""INSERT statements that can say ON CONFLICT DO NOTHING on both supported databases."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def dialect_insert(session: Session, table: Any) -> postgresql.Insert | sqlite.Insert:
    """``insert(table)`` of the session's dialect (PostgreSQL or SQLite), so callers can use
    ``on_conflict_do_nothing`` and ``returning`` the same way on both."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)
