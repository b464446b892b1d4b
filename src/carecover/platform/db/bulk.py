"""Writing many rows fast: COPY on PostgreSQL, executemany everywhere else; saving many changed
rows of one table with one UPDATE on PostgreSQL (``write_back`` from ORM objects, ``update_rows``
from plain rows, setting only what each row changed); and a many-valued ``IN`` that PostgreSQL
gets as one array parameter (``any_of``).

Rows come from ORM objects built by the domain services (so they are validated and encrypted the
same way as one-by-one writes); Python-side column defaults are applied here because objects that
never pass through a flush do not get them.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable, Mapping, Sequence
from enum import Enum
from typing import Any

import msgspec
from sqlalchemy import (
    JSON,
    Column,
    ColumnElement,
    Table,
    TypeDecorator,
    any_,
    bindparam,
    insert,
    text,
)
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import QueryableAttribute, Session
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


def uuid_array(values: Iterable[uuid.UUID]) -> str:
    """UUIDs as a PostgreSQL array literal for ``CAST(:ids AS uuid[])`` (``{"…","…"}``: JSON's
    quoting, encoded in C), where the driver would adapt a list value by value in Python."""
    listed = _ENCODER.encode(list(values)).decode()
    return "{" + listed[1:-1] + "}"


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


def any_of(
    session: Session,
    column: ColumnElement[Any] | QueryableAttribute[Any],
    values: Collection[Any],
) -> ColumnElement[bool]:
    """``column IN (values)``; on PostgreSQL ``column = ANY(:array)``, one parameter however many
    values (an IN-list of 500 is rendered, sent and parsed as 500 parameters every time)."""
    element = column.__clause_element__() if isinstance(column, QueryableAttribute) else column
    if session.get_bind().dialect.name == "postgresql":
        array = bindparam(None, list(values), type_=postgresql.ARRAY(element.type))
        return element == any_(array)
    return element.in_(values)


def update_rows(
    session: Session,
    table: Table,
    key: str,
    columns: Sequence[str],
    rows: Sequence[Mapping[str, Any]],
) -> None:
    """Save changed rows of ``table``: each row names its table row by ``row[key]`` and holds
    only the ``columns`` to set there (a column a row lacks keeps its stored value; None sets
    NULL). On PostgreSQL one UPDATE for the lot (the rows travel as one JSON document, each with a
    bit mask of the columns it sets); elsewhere one executemany per set of columns. The values
    are written as given (no ORM bookkeeping, no ``onupdate`` defaults)."""
    if not rows:
        return
    times = [name for name in columns if isinstance(table.columns[name].type, UTCDateTime)]
    for row in rows:
        for name in times:
            when = row.get(name)
            if when is not None and when.tzinfo is None:
                raise ValueError("naive datetime refused: use an aware UTC datetime")
    if session.get_bind().dialect.name == "postgresql":
        bits = [(name, 1 << i) for i, name in enumerate(columns)]
        flagged = [{**row, "_m": sum(bit for name, bit in bits if name in row)} for row in rows]
        session.execute(_update_statement(table, key, tuple(columns)), {"rows": recordset(flagged)})
        return
    groups: dict[tuple[str, ...], list[Mapping[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(name for name in columns if name in row), []).append(row)
    for names, group in groups.items():
        if names:
            _executemany_update(session, table, key, names, group)


_UPDATES: dict[tuple[str, str, tuple[str, ...]], Any] = {}


def _update_statement(table: Table, key: str, columns: tuple[str, ...]) -> Any:
    """``UPDATE … FROM jsonb_to_recordset`` setting each column only where the row's mask has
    its bit (names come from the models, never from input; built once per shape)."""
    cached = _UPDATES.get((table.name, key, columns))
    if cached is not None:
        return cached
    pk = table.columns[key]
    assignments = ", ".join(
        f"{name} = CASE WHEN r._m & {1 << i} = 0 THEN t.{name} ELSE r.{name} END"
        for i, name in enumerate(columns)
    )
    shape = ", ".join(
        [f"{key} {_pg_type(pk)}", "_m integer"]
        + [f"{name} {_pg_type(table.columns[name])}" for name in columns]
    )
    statement = text(
        f"UPDATE {table.name} AS t SET {assignments}"  # noqa: S608
        f" FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r({shape})"
        f" WHERE t.{pk.name} = r.{key}"
    )
    _UPDATES[(table.name, key, columns)] = statement
    return statement


def _executemany_update(
    session: Session,
    table: Table,
    key: str,
    names: Sequence[str],
    rows: Sequence[Mapping[str, Any]],
) -> None:
    """One DBAPI executemany with the columns' own bind processors (as ``BulkWriter``)."""
    connection = session.connection()
    dialect = connection.dialect
    order = [*names, key]
    processors = [
        table.columns[name].type.dialect_impl(dialect).bind_processor(dialect) for name in order
    ]
    params = [
        tuple(
            row[name] if proc is None else proc(row[name])
            for proc, name in zip(processors, order, strict=True)
        )
        for row in rows
    ]
    assignments = ", ".join(f"{name} = ?" for name in names)
    statement = f"UPDATE {table.name} SET {assignments} WHERE {key} = ?"  # noqa: S608
    connection.exec_driver_sql(statement, params)


def expire_cached(session: Session, model: type[Base], keys: Collection[Any]) -> None:
    """Expire the session's loaded instances of ``model`` whose (single-column) primary key is in
    ``keys``, after their rows were written around the ORM: the next read loads what is stored
    (and any unsaved change to them is dropped, as a reload would drop it)."""
    loaded = session.identity_map
    if not loaded:
        return
    if len(loaded) < len(keys):  # a worker's session holds a few alerts, not its cars
        wanted = set(keys)
        found = [loaded.get(k) for k in list(loaded.keys()) if k[0] is model and k[1][0] in wanted]
    else:
        mapper = sa_inspect(model)
        found = [loaded.get(mapper.identity_key_from_primary_key((value,))) for value in keys]
    stale = [obj for obj in found if obj is not None]
    for obj in stale:
        session.expire(obj)
