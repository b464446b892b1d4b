"""Database kernel: declarative base, portable types, engines and sessions."""

from carecover.platform.db.base import Base, IdMixin, TimestampMixin
from carecover.platform.db.dialect import dialect_insert, include_name
from carecover.platform.db.session import Database, get_database, session_scope
from carecover.platform.db.types import JSONType, Money, UTCDateTime

__all__ = [
    "Base",
    "Database",
    "IdMixin",
    "JSONType",
    "Money",
    "TimestampMixin",
    "UTCDateTime",
    "dialect_insert",
    "get_database",
    "include_name",
    "session_scope",
]
