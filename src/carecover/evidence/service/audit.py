"""The self-audit: recompute the tree from every stored leaf and hold it against the checkpoints.

It reads the leaves in index order (in pages, so memory stays flat), re-hashes each body, checks
the stored leaf hash and that indices are contiguous, folds them into a fresh compact range and
compares the root at every checkpointed size with the signed root; it also re-verifies each
checkpoint's signature and the stored right edge. Any difference is a finding: tampering, a lost
row, or a bug — either way people must look.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from carecover.evidence.models import LedgerAuditRun, LedgerCheckpoint, LedgerLeaf
from carecover.evidence.service import log
from carecover.evidence.service.signer import LogSigner
from carecover.platform.clock import utc_now
from carecover.platform.ids import new_id
from carecover.platform.ledger.tree import CompactRange
from carecover.verifier.merkle import leaf_hash
from carecover.verifier.note import NoteError, open_checkpoint

PAGE = 5000


@dataclass(frozen=True)
class Finding:
    code: str
    message: str


def _scan(
    session: Session, signer: LogSigner, size: int, right_edge: bytes
) -> tuple[int, Finding | None]:
    checkpoints = list(
        session.execute(
            select(LedgerCheckpoint.size, LedgerCheckpoint.root, LedgerCheckpoint.note)
            .where(LedgerCheckpoint.size <= size)
            .order_by(LedgerCheckpoint.size)
        )
    )
    verifier = signer.verifier
    for cp_size, cp_root, note in checkpoints:
        try:
            opened = open_checkpoint(note, verifier, origin=signer.origin)
        except NoteError as exc:
            return 0, Finding("checkpoint_signature", f"checkpoint {cp_size}: {exc}")
        if opened.size != cp_size or opened.root != cp_root:
            return 0, Finding("checkpoint_row", f"checkpoint {cp_size} differs from its note")
    if checkpoints and checkpoints[-1][0] != size:
        return 0, Finding("checkpoint_missing", f"no checkpoint signs the log size {size}")
    edge = CompactRange.empty()
    pos = 0
    checked = 0
    while edge.size < size:
        rows = session.execute(
            select(LedgerLeaf.idx, LedgerLeaf.leaf_hash, LedgerLeaf.body)
            .where(LedgerLeaf.idx >= edge.size)
            .order_by(LedgerLeaf.idx)
            .limit(PAGE)
        ).all()
        if not rows:
            return checked, Finding("leaf_missing", f"leaf {edge.size} is missing")
        for idx, stored_hash, body in rows:
            if idx != edge.size:
                return checked, Finding("leaf_missing", f"leaf {edge.size} is missing")
            digest = leaf_hash(body)
            if digest != stored_hash:
                return checked, Finding("leaf_altered", f"leaf {idx} does not hash to its record")
            edge.append(digest)
            while pos < len(checkpoints) and checkpoints[pos][0] == edge.size:
                if edge.root() != checkpoints[pos][1]:
                    return checked, Finding(
                        "root_mismatch",
                        f"recomputed root at size {edge.size} differs from the signed checkpoint",
                    )
                pos += 1
                checked += 1
            if edge.size == size:
                break
    if b"".join(edge.hashes) != right_edge:
        return checked, Finding("state_mismatch", "the stored right edge differs from the leaves")
    return checked, None


def run_audit(session: Session, signer: LogSigner) -> LedgerAuditRun:
    """Audit the whole log up to its current size and record the outcome."""
    started = utc_now()
    state = log.current_state(session)
    size = state.size
    checked, finding = _scan(session, signer, size, state.right_edge)
    extra = session.scalar(select(LedgerLeaf.idx).where(LedgerLeaf.idx >= size).limit(1))
    if finding is None and extra is not None:
        finding = Finding("leaf_beyond_size", f"leaf {extra} lies beyond the log size {size}")
    run = LedgerAuditRun(
        id=new_id(),
        started_at=started,
        finished_at=utc_now(),
        size=size,
        checkpoints_checked=checked,
        ok=finding is None,
        problem_code=finding.code if finding else None,
        problem=finding.message if finding else None,
    )
    session.add(run)
    session.flush()
    return run


def latest_run(session: Session) -> LedgerAuditRun | None:
    return session.scalars(
        select(LedgerAuditRun).order_by(LedgerAuditRun.started_at.desc()).limit(1)
    ).first()
