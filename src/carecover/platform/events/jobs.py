"""Housekeeping for the outbox: delivered messages older than a week are pruned nightly."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from carecover.platform.clock import utc_now
from carecover.platform.events.models import HandlerReceipt, MessageStatus, OutboxMessage
from carecover.platform.jobs import job

RETENTION = timedelta(days=7)


@job("events.prune_outbox", cron="17 3 * * *")
def prune_outbox(session: Session) -> None:
    cutoff = utc_now() - RETENTION
    old = select(OutboxMessage.id).where(
        OutboxMessage.status == MessageStatus.dispatched, OutboxMessage.dispatched_at < cutoff
    )
    session.execute(delete(HandlerReceipt).where(HandlerReceipt.message_id.in_(old)))
    session.execute(delete(OutboxMessage).where(OutboxMessage.id.in_(old)))
