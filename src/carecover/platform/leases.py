"""Claiming rows for one worker: SKIP LOCKED on PostgreSQL, compare-and-set everywhere.

A worker selects due rows (on PostgreSQL with ``FOR UPDATE SKIP LOCKED`` so concurrent workers
look at different rows), then leases each with an UPDATE guarded by the same conditions; only rows
whose UPDATE matched belong to it. SQLite serialises writers, so the guarded UPDATE alone suffices.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.orm import Session


def claim_rows(
    session: Session,
    model: Any,
    *,
    due: ColumnElement[bool],
    order_by: Any,
    worker_id: str,
    now: datetime,
    lease_seconds: int,
    limit: int,
    extra_values: dict[str, Any] | None = None,
) -> Sequence[uuid.UUID]:
    """Lease up to ``limit`` due rows of ``model`` for ``worker_id``; returns their ids."""
    free = or_(model.locked_until.is_(None), model.locked_until < now)
    condition = and_(due, free)
    query = select(model.id).where(condition).order_by(order_by).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    candidates = list(session.scalars(query))
    claimed: list[uuid.UUID] = []
    values = {"locked_by": worker_id, "locked_until": now + timedelta(seconds=lease_seconds)}
    values.update(extra_values or {})
    for row_id in candidates:
        result = session.execute(
            update(model).where(model.id == row_id, condition).values(**values)
        )
        if getattr(result, "rowcount", 0) == 1:
            claimed.append(row_id)
    return claimed
