"""Writing many rows fast: COPY on PostgreSQL, executemany everywhere else; and saving many
changed rows of one table with one UPDATE on PostgreSQL (``write_back``).

Rows come from ORM objects built by the domain services (so they are validated and encrypted the
same way as one-by-one writes); Python-side column defaults are applied here because objects that
never pass through a flush do not get them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from enum import Enum
from typing import Any

import msgspec
from sqlalchemy import JSON, Column, Table, TypeDecorator, insert, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from carecover.platform.db.base import Base
from carecover.platform.db.types import UTCDateTime


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


def _pg_type(column: Column[Any]) -> str:
    kind = column.type
    if isinstance(kind, TypeDecorator):
        kind = kind.impl_instance
    if isinstance(kind, JSON):
        return "jsonb"
    return str(kind.compile(dialect=postgresql.dialect()))  # type: ignore[no-untyped-call]


def recordset(rows: Sequence[Mapping[str, Any]]) -> str:
    """Rows as one JSON array for ``jsonb_to_recordset`` (ids, times and decimals as text):
    PostgreSQL parses the whole batch in C, where arrays of text would be quoted value by value
    by the driver. Times must be timezone-aware (``write_back`` checks its own)."""
    return _ENCODER.encode(rows).decode()


def _plain(value: Any) -> Any:
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


_ENCODER = msgspec.json.Encoder(enc_hook=_plain)


def write_back(
    session: Session, objects: Sequence[Base], *, key: str, only: Sequence[str] | None = None
) -> None:
    """Save changed ORM objects of one table with a single UPDATE (PostgreSQL): the rows travel
    as one JSON document that ``jsonb_to_recordset`` joins to the table by ``key``. The objects'
    attributes are then marked as saved, so the session's flush does not write them again. For
    hot paths that change many rows at once (run it under ``session.no_autoflush``)."""
    if not objects:
        return
    table: Table = objects[0].__table__  # type: ignore[assignment]
    columns = [c for c in table.columns if c.key != key and (only is None or c.key in only)]
    pk = table.columns[key]
    rows = [{"k": getattr(o, key), **{c.name: getattr(o, c.key) for c in columns}} for o in objects]
    times = [c.name for c in columns if isinstance(c.type, UTCDateTime)]
    for row in rows:
        for name in times:
            when = row[name]
            if when is not None and when.tzinfo is None:
                raise ValueError("naive datetime refused: use an aware UTC datetime")
    # names come from the models, never from input
    assignments = ", ".join(f"{c.name} = r.{c.name}" for c in columns)
    shape = ", ".join([f"k {_pg_type(pk)}", *(f"{c.name} {_pg_type(c)}" for c in columns)])
    statement = f"UPDATE {table.name} AS t SET {assignments}"  # noqa: S608
    statement += f" FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r({shape})"
    statement += f" WHERE t.{pk.name} = r.k"
    session.execute(text(statement), {"rows": recordset(rows)})
    for obj in objects:
        for column in columns:
            set_committed_value(obj, column.key, getattr(obj, column.key))
