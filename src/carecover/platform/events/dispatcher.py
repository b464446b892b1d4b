"""Delivering outbox messages to their handlers, after the publishing transaction committed."""

from __future__ import annotations

import uuid
from datetime import timedelta

import structlog
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from carecover.platform.clock import utc_now
from carecover.platform.db.session import Database
from carecover.platform.events.base import load_event, subscribers
from carecover.platform.events.models import HandlerReceipt, MessageStatus, OutboxMessage
from carecover.platform.leases import claim_rows

log = structlog.get_logger(__name__)

MAX_ATTEMPTS = 8


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
    done = 0
    for message_id in ids:
        if _deliver(db, message_id, worker_id):
            done += 1
    return done


def _deliver(db: Database, message_id: uuid.UUID, worker_id: str) -> bool:
    with db.session() as session:
        message = session.get(OutboxMessage, message_id)
        if message is None or message.locked_by != worker_id:
            return False
        event_type, payload = message.event_type, dict(message.payload)
    error: str | None = None
    try:
        event = load_event(event_type, payload)
    except (LookupError, ValueError) as exc:
        error = f"undecodable event: {exc}"
    else:
        for handler_name, handler in subscribers(event_type):
            try:
                _run_handler(db, handler_name, handler, message_id, event)
            except Exception as exc:  # noqa: BLE001 - a failing handler must not stop the worker
                log.warning("handler_failed", handler=handler_name, message_id=str(message_id))
                error = f"{handler_name}: {type(exc).__name__}: {exc}"
                break
    with db.session() as session, session.begin():
        message = session.get(OutboxMessage, message_id)
        if message is None:
            return False
        message.locked_by = None
        message.locked_until = None
        if error is None:
            message.status = MessageStatus.dispatched
            message.dispatched_at = utc_now()
            message.last_error = None
            return True
        message.attempts += 1
        message.last_error = error[:2000]
        if message.attempts >= MAX_ATTEMPTS:
            message.status = MessageStatus.dead
        else:
            message.available_at = utc_now() + backoff(message.attempts)
    return False


def _run_handler(
    db: Database, name: str, handler: object, message_id: uuid.UUID, event: object
) -> None:
    with db.session() as session:
        try:
            with session.begin():
                already = session.scalars(
                    select(HandlerReceipt).where(
                        HandlerReceipt.handler == name, HandlerReceipt.message_id == message_id
                    )
                ).first()
                if already is not None:
                    return
                handler(session, event)  # type: ignore[operator]
                session.add(HandlerReceipt(handler=name, message_id=message_id))
                session.flush()
        except IntegrityError:
            # Another worker recorded the receipt first (lease expired mid-run): already done.
            session.rollback()
            _check_receipt(session, name, message_id)


def _check_receipt(session: Session, name: str, message_id: uuid.UUID) -> None:
    found = session.get(HandlerReceipt, (name, message_id))
    if found is None:
        raise RuntimeError(f"handler {name} failed to record its receipt")
