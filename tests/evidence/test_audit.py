"""The self-audit notices direct tampering with the stored log, and raises the alarm."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from carecover.accounts.models import Notification
from carecover.evidence import service
from carecover.evidence.jobs import integrate_pending, self_audit
from carecover.evidence.models import LedgerAuditRun
from carecover.evidence.service import audit
from carecover.platform.auth.roles import Role
from carecover.platform.config import Settings
from carecover.platform.db.session import Database
from carecover.platform.events import OutboxMessage
from carecover.verifier.merkle import leaf_hash
from tests.factories.accounts import make_user

APPEND_ONLY = ("ledger_leaves", "ledger_nodes", "ledger_checkpoints")


def _anchor(session: Session, n: int) -> None:
    for i in range(n):
        service.anchor(
            session,
            kind=service.RecordKind.settlement_statement,
            subject_type="statement",
            subject_id=f"s-{i}",
            content={"week": i, "total_fen": 100_00 * i},
            personal=False,
        )


@pytest.fixture
def filled(fresh_db: Database, settings: Settings) -> Database:
    """A private database whose log holds 10 entries over three checkpoints."""
    for n in (3, 4, 3):
        with fresh_db.session() as session, session.begin():
            _anchor(session, n)
        integrate_pending(fresh_db, settings)
    return fresh_db


def _unguard(session: Session) -> None:
    """What an attacker with database owner rights could do: switch the triggers off."""
    for table in APPEND_ONLY:
        if session.bind is not None and session.get_bind().dialect.name == "postgresql":
            session.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
        else:
            for verb in ("update", "delete"):
                session.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_{verb}"))


def test_an_untouched_log_passes(filled: Database) -> None:
    with filled.session() as session, session.begin():
        run = audit.run_audit(session, service.get_signer())
    assert (run.ok, run.size, run.checkpoints_checked, run.problem_code) == (True, 10, 3, None)


TAMPERING: dict[str, Callable[[Session], None]] = {
    "leaf_altered": lambda s: s.execute(
        text("UPDATE ledger_leaves SET body = :b WHERE idx = 4"), {"b": b'{"forged":true}'}
    ),
    "root_mismatch": lambda s: s.execute(
        text("UPDATE ledger_leaves SET body = :b, leaf_hash = :h WHERE idx = 4"),
        {"b": b"{}", "h": leaf_hash(b"{}")},
    ),
    "leaf_missing": lambda s: s.execute(text("DELETE FROM ledger_leaves WHERE idx = 9")),
    "swapped": lambda s: (
        s.execute(text("UPDATE ledger_leaves SET idx = 100 WHERE idx = 2")),
        s.execute(text("UPDATE ledger_leaves SET idx = 2 WHERE idx = 3")),
        s.execute(text("UPDATE ledger_leaves SET idx = 3 WHERE idx = 100")),
    ),
}


@pytest.mark.parametrize("attack", sorted(TAMPERING))
def test_tampering_is_detected_and_alarmed(filled: Database, attack: str) -> None:
    with filled.session() as session, session.begin():
        _unguard(session)
        TAMPERING[attack](session)
    with filled.session() as session, session.begin():
        self_audit(session)
    with filled.session() as session:
        run = session.scalars(select(LedgerAuditRun)).one()
        assert not run.ok
        expected = "root_mismatch" if attack == "swapped" else attack
        assert run.problem_code == expected
        alarm = session.scalars(
            select(OutboxMessage).where(OutboxMessage.event_type == "evidence.audit_failed")
        ).one()
        assert alarm.payload["problem_code"] == expected


def test_the_alarm_reaches_auditors(filled: Database, settings: Settings) -> None:
    from carecover.platform.events.dispatcher import dispatch_batch

    with filled.session() as session, session.begin():
        watcher = make_user(session, username="auditor.alarm", role=Role.auditor)
        _unguard(session)
        session.execute(text("DELETE FROM ledger_leaves WHERE idx = 9"))
    with filled.session() as session, session.begin():
        self_audit(session)
    dispatch_batch(filled, worker_id="test", batch_size=10)
    with filled.session() as session:
        notes = session.scalars(
            select(Notification).where(Notification.user_id == watcher.id)
        ).all()
        assert [n.message_key for n in notes if n.message_key.startswith("notice.evidence")] == [
            "notice.evidence_audit_failed"
        ]
