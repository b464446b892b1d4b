"""Many writers at once: anchors from concurrent business transactions and several sequencers
racing for the lock still give contiguous indices, one leaf per record, and a log that audits."""

from __future__ import annotations

import threading

from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from carecover.evidence import service
from carecover.evidence.jobs import integrate_pending
from carecover.evidence.models import LedgerLeaf, LedgerPending
from carecover.evidence.service import audit
from carecover.platform.config import Settings
from carecover.platform.db.session import Database

WRITERS = 8
PER_WRITER = 25


def _anchor_many(db: Database, writer: int, errors: list[BaseException]) -> None:
    for n in range(PER_WRITER):
        for _attempt in range(20):  # SQLite may report a busy database under contention
            try:
                with db.session() as session, session.begin():
                    service.anchor(
                        session,
                        kind=service.RecordKind.service_review,
                        subject_type="review",
                        subject_id=f"w{writer}-{n}",
                        content={"stars": 1 + n % 5, "writer": writer},
                        personal=False,
                    )
                break
            except OperationalError:
                continue
        else:  # pragma: no cover - only when the database never lets go
            errors.append(RuntimeError(f"writer {writer} gave up on record {n}"))


def _sequence(db: Database, settings: Settings, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            integrate_pending(db, settings)
        except OperationalError:
            continue


def test_concurrent_anchors_and_sequencers_give_a_contiguous_log(
    fresh_db: Database, settings: Settings
) -> None:
    small = settings.model_copy(update={"ledger_batch_size": 7})
    errors: list[BaseException] = []
    stop = threading.Event()
    sequencers = [
        threading.Thread(target=_sequence, args=(fresh_db, small, stop)) for _ in range(3)
    ]
    writers = [
        threading.Thread(target=_anchor_many, args=(fresh_db, w, errors)) for w in range(WRITERS)
    ]
    for thread in (*sequencers, *writers):
        thread.start()
    for thread in writers:
        thread.join()
    stop.set()
    for thread in sequencers:
        thread.join()
    integrate_pending(fresh_db, small)  # whatever arrived after the last pass
    assert errors == []
    total = WRITERS * PER_WRITER
    with fresh_db.session() as session:
        indices = list(session.scalars(select(LedgerLeaf.idx).order_by(LedgerLeaf.idx)))
        assert indices == list(range(total))
        records = session.scalar(select(func.count(func.distinct(LedgerLeaf.record_id))))
        assert records == total
        assert session.scalar(select(func.count()).select_from(LedgerPending)) == 0
    with fresh_db.session() as session, session.begin():
        run = audit.run_audit(session, service.get_signer())
    assert run.ok
    assert run.size == total
