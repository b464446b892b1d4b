"""Counting and slicing a SELECT for one page of results."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session


def fetch_page(
    session: Session, query: Select[Any], *, limit: int, offset: int
) -> tuple[list[Any], int]:
    """The rows of one page (``query`` must already be ordered) and the total match count."""
    total: Any = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = list(session.scalars(query.limit(limit).offset(offset)))
    return rows, int(total or 0)
