"""The Merkle log over the database: sequencing, proofs, checkpoints, append-only storage."""

from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from carecover.evidence import service
from carecover.evidence.errors import EvidenceContentInvalid, ProofRangeInvalid
from carecover.evidence.models import EvidenceRecord, LedgerLeaf, LedgerNode, LedgerPending
from carecover.evidence.service import log
from carecover.platform.ledger.canonical import commitment
from carecover.platform.ledger.tree import MemoryTree
from carecover.verifier.merkle import ProofError, verify_consistency, verify_inclusion
from carecover.verifier.note import open_checkpoint


def anchor_n(session: Session, n: int, *, subject: str = "claim-1") -> list[EvidenceRecord]:
    return [
        service.anchor(
            session,
            kind=service.RecordKind.claim_document,
            subject_type="claim",
            subject_id=subject,
            content={"doc": i, "name": "张三", "amount_fen": 12_345 + i},
        )
        for i in range(n)
    ]


def test_anchoring_keeps_content_off_the_log(session: Session) -> None:
    [record] = anchor_n(session, 1)
    pending = session.scalars(select(LedgerPending)).one()
    body = json.loads(pending.body)
    assert body["commitment"] == record.commitment
    assert body["subject"] == {"type": "claim", "id": "claim-1"}
    assert "张三" not in pending.body.decode()  # the log never sees personal data
    assert b"\xe5\xbc\xa0" not in (record.content or b"")  # stored encrypted
    opened = service.content_bytes(record)
    assert opened is not None
    assert json.loads(opened)["name"] == "张三"
    assert record.salt is not None
    assert commitment(record.salt, opened) == record.commitment


def test_sequencing_gives_contiguous_indices_and_a_signed_checkpoint(session: Session) -> None:
    records = anchor_n(session, 5)
    signer = service.get_signer()
    done = log.integrate(session, signer)
    assert done is not None
    assert (done.first_index, done.count, done.size) == (0, 5, 5)
    leaves = session.scalars(select(LedgerLeaf).order_by(LedgerLeaf.idx)).all()
    assert [leaf.idx for leaf in leaves] == [0, 1, 2, 3, 4]
    assert [leaf.record_id for leaf in leaves] == [r.id for r in records]
    assert session.scalar(select(func.count()).select_from(LedgerPending)) == 0
    opened = open_checkpoint(done.note, signer.verifier, origin=signer.origin)
    oracle = MemoryTree()
    for leaf in leaves:
        oracle.append(leaf.body)
    assert (opened.size, opened.root) == (5, oracle.root())
    assert log.integrate(session, signer) is None  # nothing waiting


def test_proofs_from_the_database_verify_across_batches(session: Session) -> None:
    signer = service.get_signer()
    checkpoints = []
    for batch in (1, 2, 5, 8, 3, 13):  # sizes 1, 3, 8, 16, 19, 32 cross subtree boundaries
        anchor_n(session, batch)
        done = log.integrate(session, signer)
        assert done is not None
        checkpoints.append(open_checkpoint(done.note, signer.verifier, origin=signer.origin))
    leaves = session.scalars(select(LedgerLeaf).order_by(LedgerLeaf.idx)).all()
    for cp in checkpoints:
        for index in range(cp.size):
            proof = log.inclusion_proof(session, index, cp.size)
            verify_inclusion(
                leaf_hash=leaves[index].leaf_hash,
                index=index,
                size=cp.size,
                proof=proof,
                root=cp.root,
            )
    for older in checkpoints:
        for newer in checkpoints:
            if older.size <= newer.size:
                verify_consistency(
                    size1=older.size,
                    size2=newer.size,
                    proof=log.consistency_proof(session, older.size, newer.size),
                    root1=older.root,
                    root2=newer.root,
                )
    # one perfect node per completed pair: 32 leaves → 16 + 8 + 4 + 2 + 1
    assert session.scalar(select(func.count()).select_from(LedgerNode)) == 31


def test_group_commit_sequences_in_batches(session: Session) -> None:
    anchor_n(session, 25)
    signer = service.get_signer()
    sizes = []
    while (done := log.integrate(session, signer, max_batch=10)) is not None:
        sizes.append(done.size)
    assert sizes == [10, 20, 25]


def test_a_forged_proof_fails(session: Session) -> None:
    anchor_n(session, 6)
    signer = service.get_signer()
    done = log.integrate(session, signer)
    assert done is not None
    proof = log.inclusion_proof(session, 3, 6)
    leaf = log.entry(session, 3)
    forged = [proof[0][:-1] + bytes([proof[0][-1] ^ 1]), *proof[1:]]
    with pytest.raises(ProofError):
        verify_inclusion(leaf_hash=leaf.leaf_hash, index=3, size=6, proof=forged, root=done.root)


@pytest.mark.parametrize(("index", "size"), [(5, 5), (0, 0), (0, 99)])
def test_proofs_outside_the_log_are_refused(session: Session, index: int, size: int) -> None:
    anchor_n(session, 5)
    log.integrate(session, service.get_signer())
    with pytest.raises(ProofRangeInvalid):
        log.inclusion_proof(session, index, size)


def test_consistency_with_sizes_reversed_is_refused(session: Session) -> None:
    anchor_n(session, 4)
    log.integrate(session, service.get_signer())
    with pytest.raises(ProofRangeInvalid):
        log.consistency_proof(session, 4, 2)


@pytest.mark.parametrize("statement", ["UPDATE {t} SET {c}", "DELETE FROM {t}"])
@pytest.mark.parametrize(
    ("table", "assignment"),
    [
        ("ledger_leaves", "body = body"),
        ("ledger_nodes", "hash = hash"),
        ("ledger_checkpoints", "note = note"),
    ],
)
def test_the_log_tables_refuse_update_and_delete(
    session: Session, statement: str, table: str, assignment: str
) -> None:
    anchor_n(session, 2)
    log.integrate(session, service.get_signer())
    with pytest.raises(DBAPIError, match="append-only"):
        session.execute(text(statement.format(t=table, c=assignment)))


def test_content_that_is_not_canonical_json_is_refused_and_nothing_is_queued(
    session: Session,
) -> None:
    with pytest.raises(EvidenceContentInvalid):
        service.anchor(
            session,
            kind=service.RecordKind.estimate,
            subject_type="claim",
            subject_id="c-9",
            content={"amount": float("nan")},
        )
    with pytest.raises(EvidenceContentInvalid):
        service.anchor(
            session,
            kind=service.RecordKind.estimate,
            subject_type="claim",
            subject_id="c-9",
            content={"amount": 2**53 + 1},
        )
    assert session.scalar(select(func.count()).select_from(LedgerPending)) == 0


def test_erasure_deletes_content_and_salt_and_the_log_stays_valid(session: Session) -> None:
    person = uuid.uuid4()
    record = service.anchor(
        session,
        kind=service.RecordKind.service_review,
        subject_type="review",
        subject_id="r-1",
        content={"text": "师傅很专业", "phone": "13800138000"},
        party_id=person,
    )
    log.integrate(session, service.get_signer())
    assert service.erase_party(session, person) == 1
    session.refresh(record)
    assert record.content is None
    assert record.salt is None
    assert record.erased_at is not None
    assert service.content_bytes(record) is None
    leaf = log.entry_for_record(session, record.id)
    assert leaf is not None
    assert json.loads(leaf.body)["commitment"] == record.commitment
    assert service.erase_party(session, person) == 0  # already erased


def test_a_new_version_points_at_the_previous_commitment(session: Session) -> None:
    first = service.anchor(
        session,
        kind=service.RecordKind.repair_milestone,
        subject_type="repair",
        subject_id="ro-1",
        content={"step": "parts_replaced"},
    )
    second = service.anchor(
        session,
        kind=service.RecordKind.repair_milestone,
        subject_type="repair",
        subject_id="ro-1",
        content={"step": "parts_replaced", "note": "corrected"},
        supersedes=first,
    )
    assert (second.version, second.prev_commitment) == (2, first.commitment)
    log.integrate(session, service.get_signer())
    assert json.loads(log.entry(session, 1).body)["prev"] == first.commitment
