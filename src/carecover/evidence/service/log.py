"""The Merkle log over database rows: sequencing (group commit), checkpoints and proofs.

Sequencing takes the ``ledger_state`` row lock (an UPDATE first, so SQLite takes its write lock
too), gives the pending envelopes contiguous indices in ``id`` order, writes their leaves and the
perfect subtree nodes they complete, signs one checkpoint for the new size and deletes the
pending rows — all in the caller's transaction, which commits the whole batch at once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from carecover.evidence.errors import (
    CheckpointMissing,
    EntryNotFound,
    LedgerUnavailable,
    ProofRangeInvalid,
)
from carecover.evidence.models import (
    NODE_LEVEL_SHIFT,
    LedgerCheckpoint,
    LedgerLeaf,
    LedgerNode,
    LedgerPending,
    LedgerState,
    node_key,
)
from carecover.evidence.service.signer import LogSigner
from carecover.platform.clock import utc_now
from carecover.platform.db.bulk import BulkWriter
from carecover.platform.ledger.tree import (
    CompactRange,
    NodeId,
    consistency_ranges,
    inclusion_ranges,
    resolve,
)
from carecover.verifier.merkle import HASH_SIZE, leaf_hash

STATE_ID = 1
_T = TypeVar("_T")


@dataclass(frozen=True)
class Integration:
    """What one sequencing pass did."""

    first_index: int
    count: int
    size: int
    root: bytes
    note: str


def _split_edge(blob: bytes) -> list[bytes]:
    return [blob[i : i + HASH_SIZE] for i in range(0, len(blob), HASH_SIZE)]


def lock_state(session: Session) -> LedgerState:
    """Take the sequencing lock and return the current state (held until the transaction ends)."""
    result = session.execute(
        update(LedgerState)
        .where(LedgerState.id == STATE_ID)
        .values(lock_version=LedgerState.lock_version + 1)
    )
    if getattr(result, "rowcount", 1) != 1:
        raise LedgerUnavailable()
    state = session.get(LedgerState, STATE_ID, populate_existing=True)
    if state is None:  # pragma: no cover - the UPDATE above found it
        raise LedgerUnavailable()
    return state


def current_state(session: Session) -> LedgerState:
    state = session.get(LedgerState, STATE_ID)
    if state is None:
        raise LedgerUnavailable()
    return state


def integrate(session: Session, signer: LogSigner, *, max_batch: int = 1000) -> Integration | None:
    """Sequence up to ``max_batch`` pending envelopes; ``None`` when nothing was waiting."""
    state = lock_state(session)
    pending = session.execute(
        select(LedgerPending.seq, LedgerPending.record_id, LedgerPending.body)
        .order_by(LedgerPending.seq)
        .limit(max_batch)
    ).all()
    if not pending:
        return None
    edge = CompactRange(state.size, _split_edge(state.right_edge))
    first = edge.size
    now = utc_now()
    leaves: list[dict[str, object]] = []
    nodes: list[dict[str, object]] = []
    for _pid, record_id, body in pending:
        digest = leaf_hash(body)
        leaves.append(
            {
                "idx": edge.size,
                "leaf_hash": digest,
                "body": body,
                "record_id": record_id,
                "integrated_at": now,
            }
        )
        for (level, idx), value in edge.append(digest):
            nodes.append({"id": node_key(level, idx), "hash": value})
    writer = BulkWriter(session)  # COPY on PostgreSQL, executemany elsewhere
    writer.write(LedgerLeaf.__table__, leaves)  # type: ignore[arg-type]
    writer.write(LedgerNode.__table__, nodes)  # type: ignore[arg-type]
    session.execute(delete(LedgerPending).where(LedgerPending.seq.in_([p[0] for p in pending])))
    root = edge.root()
    note = signer.sign(edge.size, root)
    session.execute(
        insert(LedgerCheckpoint),
        [{"size": edge.size, "root": root, "note": note, "created_at": now}],
    )
    state.size = edge.size
    state.root = root
    state.right_edge = b"".join(edge.hashes)
    state.updated_at = now
    session.flush()
    return Integration(first_index=first, count=len(pending), size=edge.size, root=root, note=note)


def node_reader(session: Session) -> _NodeReader:
    return _NodeReader(session)


class _NodeReader:
    """Reads perfect subtree hashes: level 0 from the leaves, higher levels from the nodes.

    One round trip per proof: both lookups go out as one ``UNION ALL`` over the two primary
    keys. The statement is built from integers this module computed (never from input), which
    skips SQL compilation on the hot path of proof generation.
    """

    def __init__(self, session: Session) -> None:
        self._session = session

    def __call__(self, wanted: Sequence[NodeId]) -> Mapping[NodeId, bytes]:
        keys = {node_key(level, idx) if level else idx: (level, idx) for level, idx in wanted}
        found: dict[NodeId, bytes] = {}
        for chunk in _chunks(list(keys), 500):
            leaves = ",".join(str(int(k)) for k in chunk if k < 1 << NODE_LEVEL_SHIFT) or "-1"
            nodes = ",".join(str(int(k)) for k in chunk if k >= 1 << NODE_LEVEL_SHIFT) or "-1"
            rows = self._session.connection().exec_driver_sql(
                f"SELECT idx, leaf_hash FROM ledger_leaves WHERE idx IN ({leaves}) "  # noqa: S608 - integers only
                f"UNION ALL SELECT id, hash FROM ledger_nodes WHERE id IN ({nodes})"
            )
            found.update({keys[int(key)]: bytes(value) for key, value in rows})
        missing = [node for node in wanted if node not in found]
        if missing:
            raise LedgerUnavailable(f"tree nodes missing: {missing[:3]}")
        return found


def _chunks(items: list[_T], size: int) -> list[list[_T]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _check_size(session: Session, size: int) -> None:
    current = current_state(session).size
    if size > current:
        raise ProofRangeInvalid(
            f"tree size {size} is larger than the log ({current})", size=size, log_size=current
        )


def inclusion_proof(session: Session, index: int, size: int) -> list[bytes]:
    """The audit path of leaf ``index`` in the tree of the first ``size`` leaves."""
    if not 0 <= index < size:
        raise ProofRangeInvalid(f"index {index} is outside a tree of size {size}", size=size)
    _check_size(session, size)
    return resolve(inclusion_ranges(index, size), node_reader(session))


def consistency_proof(session: Session, size1: int, size2: int) -> list[bytes]:
    """Proof that the tree of ``size1`` leaves is a prefix of the tree of ``size2`` leaves."""
    if not 0 <= size1 <= size2:
        raise ProofRangeInvalid(f"sizes must satisfy 0 ≤ {size1} ≤ {size2}", size=size2)
    _check_size(session, size2)
    return resolve(consistency_ranges(size1, size2), node_reader(session))


def entry(session: Session, index: int) -> LedgerLeaf:
    leaf = session.get(LedgerLeaf, index)
    if leaf is None:
        raise EntryNotFound(f"no entry {index}")
    return leaf


def entry_for_record(session: Session, record_id: object) -> LedgerLeaf | None:
    return session.scalars(select(LedgerLeaf).where(LedgerLeaf.record_id == record_id)).first()


def latest_checkpoint(session: Session) -> LedgerCheckpoint:
    cp = session.scalars(select(LedgerCheckpoint).order_by(LedgerCheckpoint.size.desc())).first()
    if cp is None:
        raise CheckpointMissing()
    return cp


def checkpoint_at(session: Session, size: int) -> LedgerCheckpoint:
    cp = session.get(LedgerCheckpoint, size)
    if cp is None:
        raise CheckpointMissing(f"no checkpoint for size {size}")
    return cp


def has_pending(session: Session) -> bool:
    return session.scalar(select(LedgerPending.seq).limit(1)) is not None


def pending_count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(LedgerPending)) or 0)


def recent_entries(session: Session, *, limit: int = 20) -> list[LedgerLeaf]:
    return list(session.scalars(select(LedgerLeaf).order_by(LedgerLeaf.idx.desc()).limit(limit)))


def last_integrated_at(session: Session) -> datetime | None:
    leaf = session.scalars(select(LedgerLeaf).order_by(LedgerLeaf.idx.desc()).limit(1)).first()
    return leaf.integrated_at if leaf else None
