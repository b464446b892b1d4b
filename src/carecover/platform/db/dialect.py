"""INSERT statements that can say ON CONFLICT DO NOTHING on both supported databases; which
tables migrations compare (partitions made at run time are not in the models)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def dialect_insert(session: Session, table: Any) -> postgresql.Insert | sqlite.Insert:
    """``insert(table)`` of the session's dialect (PostgreSQL or SQLite), so callers can use
    ``on_conflict_do_nothing`` and ``returning`` the same way on both."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


_PARTITION = re.compile(r"^[a-z0-9_]+_(p\d{8}|default)$")


def include_name(name: str | None, type_: str, parent_names: Mapping[Any, Any]) -> bool:
    """Alembic's ``include_name`` hook: a table's partitions (``<table>_pYYYYMMDD`` and
    ``<table>_default``, made by the code at run time) and their indexes are not in the models."""
    if type_ == "table":
        return not (name and _PARTITION.match(name))
    table = parent_names.get("table_name")
    return not (isinstance(table, str) and _PARTITION.match(table))
