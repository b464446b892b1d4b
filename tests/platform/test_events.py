"""The outbox: events leave only with a committed transaction, reach every handler at least
once, and handlers' effects happen once even when a message is delivered again."""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from carecover.platform.audit import AuditEntry, record
from carecover.platform.clock import utc_now
from carecover.platform.context import Actor
from carecover.platform.db.session import Database
from carecover.platform.events import (
    DomainEvent,
    HandlerReceipt,
    MessageStatus,
    OutboxMessage,
    publish,
    subscribe,
)
from carecover.platform.events.dispatcher import MAX_ATTEMPTS, dispatch_batch

FAILURES: dict[str, int] = {}


@dataclass(frozen=True, kw_only=True)
class ThingHappened(DomainEvent):
    event_type = "tests.thing_happened"
    thing_id: uuid.UUID
    label: str


@dataclass(frozen=True, kw_only=True)
class FlakyHappened(DomainEvent):
    event_type = "tests.flaky_happened"
    thing_id: uuid.UUID
    fail_times: int


@subscribe(ThingHappened)
def note_thing(session: Session, event: ThingHappened) -> None:
    record(session, Actor.system(), "tests.noted", object_type="thing", object_id=event.thing_id)


@subscribe(ThingHappened)
def note_label(session: Session, event: ThingHappened) -> None:
    record(
        session,
        Actor.system(),
        "tests.labelled",
        object_type="thing",
        object_id=event.thing_id,
        details={"label": event.label},
    )


@subscribe(FlakyHappened)
def flaky(session: Session, event: FlakyHappened) -> None:
    key = str(event.thing_id)
    FAILURES[key] = FAILURES.get(key, 0) + 1
    if FAILURES[key] <= event.fail_times:
        raise RuntimeError("downstream unavailable")
    record(session, Actor.system(), "tests.flaky_ok", object_type="thing", object_id=key)


def count(db: Database, action: str, object_id: uuid.UUID | None = None) -> int:
    with db.session() as s:
        query = select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action)
        if object_id is not None:
            query = query.where(AuditEntry.object_id == str(object_id))
        return int(s.scalar(query) or 0)


def make_due(db: Database) -> None:
    with db.session() as s, s.begin():
        s.execute(update(OutboxMessage).values(available_at=utc_now()))


def test_event_payload_round_trips(session: Session) -> None:
    event = ThingHappened(thing_id=uuid.UUID(int=5), label="车损")
    message = publish(session, event)
    session.flush()
    assert message.payload == {"thing_id": str(uuid.UUID(int=5)), "label": "车损"}
    assert message.status is MessageStatus.pending


def test_rolled_back_transaction_publishes_nothing(fresh_db: Database) -> None:
    with fresh_db.session() as s:
        s.begin()
        publish(s, ThingHappened(thing_id=uuid.uuid4(), label="x"))
        s.rollback()
    assert dispatch_batch(fresh_db, worker_id="w1") == 0
    with fresh_db.session() as s:
        assert s.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_committed_event_reaches_every_handler_once(fresh_db: Database) -> None:
    thing = uuid.uuid4()
    with fresh_db.session() as s, s.begin():
        publish(s, ThingHappened(thing_id=thing, label="A"))
    assert dispatch_batch(fresh_db, worker_id="w1") == 1
    assert count(fresh_db, "tests.noted", thing) == 1
    assert count(fresh_db, "tests.labelled", thing) == 1
    # Redelivery (for example after a lease expired) finds the receipts and does nothing new.
    with fresh_db.session() as s, s.begin():
        s.execute(update(OutboxMessage).values(status=MessageStatus.pending))
    assert dispatch_batch(fresh_db, worker_id="w2") == 1
    assert count(fresh_db, "tests.noted", thing) == 1
    with fresh_db.session() as s:
        assert s.scalar(select(func.count()).select_from(HandlerReceipt)) == 2


def test_failing_handler_is_retried_with_backoff(fresh_db: Database) -> None:
    thing = uuid.uuid4()
    with fresh_db.session() as s, s.begin():
        publish(s, FlakyHappened(thing_id=thing, fail_times=2))
    assert dispatch_batch(fresh_db, worker_id="w1") == 0
    with fresh_db.session() as s:
        message = s.scalars(select(OutboxMessage)).one()
        assert message.attempts == 1
        assert "downstream unavailable" in (message.last_error or "")
        assert message.available_at > utc_now()
    assert dispatch_batch(fresh_db, worker_id="w1") == 0  # not due yet
    make_due(fresh_db)
    assert dispatch_batch(fresh_db, worker_id="w1") == 0
    make_due(fresh_db)
    assert dispatch_batch(fresh_db, worker_id="w1") == 1
    assert count(fresh_db, "tests.flaky_ok", thing) == 1


def test_message_goes_dead_after_max_attempts(fresh_db: Database) -> None:
    with fresh_db.session() as s, s.begin():
        publish(s, FlakyHappened(thing_id=uuid.uuid4(), fail_times=99))
    for _ in range(MAX_ATTEMPTS):
        make_due(fresh_db)
        dispatch_batch(fresh_db, worker_id="w1")
    with fresh_db.session() as s:
        message = s.scalars(select(OutboxMessage)).one()
        assert message.status is MessageStatus.dead
        assert message.attempts == MAX_ATTEMPTS


def test_two_workers_share_the_outbox_without_double_delivery(fresh_db: Database) -> None:
    things = [uuid.uuid4() for _ in range(60)]
    with fresh_db.session() as s, s.begin():
        for thing in things:
            publish(s, ThingHappened(thing_id=thing, label="burst"))
    delivered = {"w1": 0, "w2": 0}

    def work(name: str) -> None:
        while True:
            done = dispatch_batch(fresh_db, worker_id=name, batch_size=5)
            delivered[name] += done
            if done == 0:
                with fresh_db.session() as s:
                    left = s.scalar(
                        select(func.count())
                        .select_from(OutboxMessage)
                        .where(OutboxMessage.status == MessageStatus.pending)
                    )
                if not left:
                    return

    threads = [threading.Thread(target=work, args=(n,)) for n in delivered]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert delivered["w1"] + delivered["w2"] == 60
    assert count(fresh_db, "tests.noted") == 60
    assert count(fresh_db, "tests.labelled") == 60
