"""Background work: sequencing pending envelopes and the nightly self-audit."""

from __future__ import annotations

import structlog
from sqlalchemy.orm import Session

from carecover.evidence.events import LedgerAuditFailed
from carecover.evidence.service import audit, log
from carecover.evidence.service.signer import LogSigner, get_signer
from carecover.platform.config import Settings
from carecover.platform.db.session import Database
from carecover.platform.events import publish
from carecover.platform.jobs import job
from carecover.platform.worker import tick_hook

logger = structlog.get_logger(__name__)


@tick_hook("evidence.integrate")
def integrate_pending(db: Database, settings: Settings, signer: LogSigner | None = None) -> int:
    """One sequencing pass per batch until nothing waits; each batch is its own transaction."""
    total = 0
    use = signer or get_signer()
    while True:
        with db.session() as session:
            if not log.has_pending(session):  # no write, no lock when idle
                return total
        with db.session() as session, session.begin():
            done = log.integrate(session, use, max_batch=settings.ledger_batch_size)
        if done is None:
            return total
        total += done.count
        if done.count < settings.ledger_batch_size:
            return total


@job("evidence.self_audit", cron="17 3 * * *", max_attempts=2)
def self_audit(session: Session) -> None:
    """Nightly: recompute the root from the stored leaves; alarm on any difference."""
    run = audit.run_audit(session, get_signer())
    if run.ok:
        logger.info("ledger_audit_ok", size=run.size, checkpoints=run.checkpoints_checked)
        return
    logger.error("ledger_audit_failed", size=run.size, problem=run.problem_code)
    publish(
        session,
        LedgerAuditFailed(run_id=run.id, size=run.size, problem_code=run.problem_code or ""),
    )
