"""Writing many rows fast: COPY on PostgreSQL, executemany everywhere else.

Rows come from ORM objects built by the domain services (so they are validated and encrypted the
same way as one-by-one writes); Python-side column defaults are applied here because objects that
never pass through a flush do not get them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from enum import Enum
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from carecover.platform.db.base import Base


def row_of(obj: Base) -> dict[str, Any]:
    """The column values of an unflushed ORM object, with Python-side defaults applied."""
    table: Table = obj.__table__  # type: ignore[assignment]
    row: dict[str, Any] = {}
    for column in table.columns:
        value = getattr(obj, column.key, None)
        if value is None and column.default is not None:
            default = column.default
            arg: Any = getattr(default, "arg", None)
            # Callable defaults are wrapped by SQLAlchemy to take an execution context.
            value = arg(None) if getattr(default, "is_callable", False) else arg
        row[column.name] = value
    return row


def _copy_value(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict | list):
        from psycopg.types.json import Jsonb

        return Jsonb(value)
    return value


class BulkWriter:
    """Appends rows to tables in the caller's transaction."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.postgres = session.get_bind().dialect.name == "postgresql"
        self.rows_written = 0

    def write(self, table: Table, rows: Sequence[dict[str, Any]]) -> None:
        if not rows:
            return
        if self.postgres:
            self._copy(table, rows)
        elif self.session.get_bind().dialect.name == "sqlite":
            self._executemany(table, rows)
        else:  # pragma: no cover - only PostgreSQL and SQLite are supported
            self.session.execute(insert(table), list(rows))
        self.rows_written += len(rows)

    def write_rows(self, rows: Iterable[tuple[str, dict[str, Any]]]) -> None:
        """Group (table name, values) rows by table, in first-seen order, and write each group."""
        groups: dict[str, list[dict[str, Any]]] = {}
        for name, row in rows:
            groups.setdefault(name, []).append(row)
        for name, group in groups.items():
            self.write(Base.metadata.tables[name], group)

    def _executemany(self, table: Table, rows: Sequence[dict[str, Any]]) -> None:
        """One DBAPI executemany with the columns' own bind processors (the exact values the
        ORM would store), without SQLAlchemy's per-row statement machinery."""
        connection = self.session.connection()
        dialect = connection.dialect
        columns = list(table.columns)
        processors = [
            column.type.dialect_impl(dialect).bind_processor(dialect) for column in columns
        ]
        names = ", ".join(column.name for column in columns)
        marks = ", ".join("?" for _ in columns)
        params = [
            tuple(
                value if proc is None else proc(value)
                for proc, value in zip(processors, (row[c.name] for c in columns), strict=True)
            )
            for row in rows
        ]
        statement = f"INSERT INTO {table.name} ({names}) VALUES ({marks})"  # noqa: S608 - names from metadata
        connection.exec_driver_sql(statement, params)

    def _copy(self, table: Table, rows: Sequence[dict[str, Any]]) -> None:
        columns = [c.name for c in table.columns]
        raw = self.session.connection().connection.driver_connection
        statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
        with raw.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[union-attr]
            for row in rows:
                copy.write_row([_copy_value(row[name]) for name in columns])
