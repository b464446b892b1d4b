"""Delivering outbox messages to their handlers, after the publishing transaction committed.

Each handler runs in a transaction of its own together with its receipt; the last handler's
transaction also marks the message dispatched, so a message with one handler costs one commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import structlog
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from carecover.platform.clock import utc_now
from carecover.platform.db.session import Database
from carecover.platform.events.base import DomainEvent, load_event, subscribers
from carecover.platform.events.models import HandlerReceipt, MessageStatus, OutboxMessage
from carecover.platform.leases import claim_rows

log = structlog.get_logger(__name__)

MAX_ATTEMPTS = 8
Handler = Callable[[Session, Any], None]


def backoff(attempts: int) -> timedelta:
    """2, 4, 8 … seconds, capped at ten minutes."""
    return timedelta(seconds=min(600, 2**attempts))


def dispatch_batch(
    db: Database, *, worker_id: str, batch_size: int = 50, lease_seconds: int = 60
) -> int:
    """Deliver up to ``batch_size`` due messages; returns how many were fully dispatched."""
    now = utc_now()
    with db.session() as session, session.begin():
        ids = claim_rows(
            session,
            OutboxMessage,
            due=(OutboxMessage.status == MessageStatus.pending)
            & (OutboxMessage.available_at <= now),
            order_by=OutboxMessage.available_at,
            worker_id=worker_id,
            now=now,
            lease_seconds=lease_seconds,
            limit=batch_size,
        )
        rows = (
            session.execute(
                select(OutboxMessage.id, OutboxMessage.event_type, OutboxMessage.payload).where(
                    OutboxMessage.id.in_(ids)
                )
            ).all()
            if ids
            else []
        )
        # Messages nobody listens to are done at once, in the claiming transaction.
        unheard = [row.id for row in rows if not subscribers(row.event_type)]
        if unheard:
            session.execute(
                update(OutboxMessage).where(OutboxMessage.id.in_(unheard)).values(**_done_values())
            )
    done = len(unheard)
    for row in rows:
        if row.id not in unheard and _deliver(db, row.id, row.event_type, row.payload):
            done += 1
    return done


def _done_values() -> dict[str, Any]:
    return {
        "status": MessageStatus.dispatched,
        "dispatched_at": utc_now(),
        "last_error": None,
        "locked_by": None,
        "locked_until": None,
    }


def _deliver(db: Database, message_id: uuid.UUID, event_type: str, payload: dict[str, Any]) -> bool:
    try:
        event = load_event(event_type, payload)
    except (LookupError, ValueError) as exc:
        _record_failure(db, message_id, f"undecodable event: {exc}")
        return False
    handlers = subscribers(event_type)
    for index, (name, handler) in enumerate(handlers):
        is_last = index == len(handlers) - 1
        try:
            _run_handler(db, name, handler, message_id, event, finish=is_last)
        except Exception as exc:  # noqa: BLE001 - a failing handler must not stop the worker
            log.warning("handler_failed", handler=name, message_id=str(message_id))
            _record_failure(db, message_id, f"{name}: {type(exc).__name__}: {exc}")
            return False
    return True


def _run_handler(
    db: Database,
    name: str,
    handler: Handler,
    message_id: uuid.UUID,
    event: DomainEvent,
    *,
    finish: bool,
) -> None:
    with db.session() as session:
        try:
            with session.begin():
                if session.get(HandlerReceipt, (name, message_id)) is None:
                    handler(session, event)
                    session.add(HandlerReceipt(handler=name, message_id=message_id))
                    session.flush()
                if finish:
                    session.execute(
                        update(OutboxMessage)
                        .where(OutboxMessage.id == message_id)
                        .values(**_done_values())
                    )
        except IntegrityError:
            # Another worker recorded the receipt first (our lease expired mid-run).
            session.rollback()
            if session.get(HandlerReceipt, (name, message_id)) is None:
                raise
            if finish:
                with session.begin():
                    session.execute(
                        update(OutboxMessage)
                        .where(OutboxMessage.id == message_id)
                        .values(**_done_values())
                    )


def _record_failure(db: Database, message_id: uuid.UUID, error: str) -> None:
    with db.session() as session, session.begin():
        message = session.get(OutboxMessage, message_id)
        if message is None:
            return
        message.locked_by = None
        message.locked_until = None
        message.attempts += 1
        message.last_error = error[:2000]
        if message.attempts >= MAX_ATTEMPTS:
            message.status = MessageStatus.dead
        else:
            message.available_at = utc_now() + backoff(message.attempts)
