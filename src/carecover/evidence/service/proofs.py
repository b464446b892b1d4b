"""Checking entries as an outsider would: against the latest checkpoint whose signature verifies,
with the same verifier code ``carecover-verify`` uses."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from carecover.evidence.errors import CheckpointMissing, ProofRangeInvalid
from carecover.evidence.models import LedgerLeaf
from carecover.evidence.service import log
from carecover.evidence.service.signer import LogSigner
from carecover.verifier.merkle import ProofError, verify_inclusion
from carecover.verifier.note import Checkpoint, NoteError, open_checkpoint


def verified_checkpoint(session: Session, signer: LogSigner) -> Checkpoint | None:
    """The latest checkpoint, opened with the log's key; ``None`` if none exists or it fails."""
    try:
        note = log.latest_checkpoint(session).note
        return open_checkpoint(note, signer.verifier, origin=signer.origin)
    except (CheckpointMissing, NoteError):
        return None


def check_leaf(
    session: Session, leaf: LedgerLeaf, checkpoint: Checkpoint
) -> tuple[list[bytes], str | None]:
    """The leaf's inclusion proof in ``checkpoint`` and, when it does not verify, why."""
    if leaf.idx >= checkpoint.size:
        return [], f"entry {leaf.idx} is not yet covered by a signed checkpoint"
    try:
        proof = log.inclusion_proof(session, leaf.idx, checkpoint.size)
        verify_inclusion(
            leaf_hash=leaf.leaf_hash,
            index=leaf.idx,
            size=checkpoint.size,
            proof=proof,
            root=checkpoint.root,
        )
    except (ProofError, ProofRangeInvalid) as exc:
        return [], str(exc)
    return proof, None


def prove_records(
    session: Session, signer: LogSigner, record_ids: Sequence[uuid.UUID]
) -> tuple[int | None, dict[uuid.UUID, tuple[int, bool]]]:
    """For each sequenced record: its entry index and whether its proof checks out against the
    latest signed checkpoint (whose size is returned; ``None`` when there is none)."""
    checkpoint = verified_checkpoint(session, signer)
    leaves = session.scalars(select(LedgerLeaf).where(LedgerLeaf.record_id.in_(record_ids)))
    proven: dict[uuid.UUID, tuple[int, bool]] = {}
    for leaf in leaves:
        if leaf.record_id is None:
            continue
        ok = checkpoint is not None and check_leaf(session, leaf, checkpoint)[1] is None
        proven[leaf.record_id] = (leaf.idx, ok)
    return (checkpoint.size if checkpoint else None), proven
