"""Evidence-log API: the public log (checkpoint, entries, proofs) and evidence bundles.

The log carries no personal data, so its read endpoints need no sign-in — anyone may check it.
Bundles disclose content and salts only to those the subject's domain allows.
"""

from __future__ import annotations

import base64
import json
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import JSONResponse, PlainTextResponse

from carecover.evidence import service
from carecover.evidence.errors import ProofRangeInvalid
from carecover.evidence.models import LedgerCheckpoint
from carecover.evidence.schemas import (
    AuditRunRead,
    CheckpointRead,
    ConsistencyProofRead,
    EntryRead,
    InclusionProofRead,
    LogStatusRead,
    RecordRead,
)
from carecover.evidence.service import audit, log
from carecover.platform.auth.roles import Permission
from carecover.platform.auth.service import Principal
from carecover.platform.http.deps import DbSession, OptionalPrincipal, require

router = APIRouter(tags=["evidence"])

Auditor = Annotated[Principal, Depends(require(Permission.audit_read), scope="function")]
# Plain decimal digits only: "3.0", "true", "1e3", "+3", "03" and anything ≥ 2^63 are refused.
DECIMAL = r"^(0|[1-9][0-9]{0,18})$"
Index = Annotated[str, Query(pattern=DECIMAL)]
SubjectType = Annotated[str, Path(pattern=r"^[a-z_]{1,40}$")]
SubjectId = Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._:-]+$")]


def _number(value: str, name: str) -> int:
    number = int(value)
    if number >= 2**63:
        raise ProofRangeInvalid(f"{name} must be below 2^63", size=number)
    return number


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def checkpoint_read(cp: LedgerCheckpoint) -> CheckpointRead:
    signer = service.get_signer()
    return CheckpointRead(
        origin=signer.origin,
        size=cp.size,
        root=_b64(cp.root),
        note=cp.note,
        public_key=signer.vkey,
        created_at=cp.created_at,
    )


@router.get("/ledger/checkpoint", response_model=CheckpointRead)
def checkpoint(session: DbSession) -> CheckpointRead:
    """The latest signed checkpoint (tree size and root)."""
    return checkpoint_read(log.latest_checkpoint(session))


@router.get("/ledger/checkpoint.txt", response_class=PlainTextResponse)
def checkpoint_note(session: DbSession) -> PlainTextResponse:
    """The latest checkpoint as a bare signed note, for witnesses and scripts."""
    return PlainTextResponse(log.latest_checkpoint(session).note)


@router.get("/ledger/key", response_class=PlainTextResponse)
def public_key() -> PlainTextResponse:
    """The verifier key to pin (``carecover-verify --key``)."""
    return PlainTextResponse(service.get_signer().vkey + "\n")


@router.get("/ledger/entries/{index}", response_model=EntryRead)
def entry(session: DbSession, index: Annotated[int, Path(ge=0, lt=2**63)]) -> EntryRead:
    leaf = log.entry(session, index)
    return EntryRead(
        index=leaf.idx,
        leaf=_b64(leaf.body),
        leaf_hash=_b64(leaf.leaf_hash),
        envelope=json.loads(leaf.body),
        integrated_at=leaf.integrated_at,
    )


@router.get("/ledger/proofs/inclusion", response_model=InclusionProofRead)
def inclusion(session: DbSession, index: Index, size: Index) -> InclusionProofRead:
    """The audit path of entry ``index`` in the tree of the first ``size`` entries."""
    index_n, size_n = _number(index, "index"), _number(size, "size")
    proof = log.inclusion_proof(session, index_n, size_n)
    return InclusionProofRead(
        index=index_n,
        size=size_n,
        leaf_hash=_b64(log.entry(session, index_n).leaf_hash),
        proof=[_b64(h) for h in proof],
    )


@router.get("/ledger/proofs/consistency", response_model=ConsistencyProofRead)
def consistency(
    session: DbSession,
    size1: Annotated[str, Query(alias="from", pattern=DECIMAL)],
    size2: Annotated[str, Query(alias="to", pattern=DECIMAL)],
) -> ConsistencyProofRead:
    """Proof that the log of ``from`` entries is a prefix of the log of ``to`` entries."""
    first, second = _number(size1, "from"), _number(size2, "to")
    proof = log.consistency_proof(session, first, second)
    return ConsistencyProofRead(size1=first, size2=second, proof=[_b64(h) for h in proof])


@router.get("/ledger/status", response_model=LogStatusRead)
def status(session: DbSession, _principal: Auditor) -> LogStatusRead:
    """Checkpoint, queue and last self-audit, for auditors."""
    cp = session.get(LedgerCheckpoint, log.current_state(session).size)
    run = audit.latest_run(session)
    return LogStatusRead(
        checkpoint=checkpoint_read(cp) if cp else None,
        pending=log.pending_count(session),
        last_audit=AuditRunRead.model_validate(run, from_attributes=True) if run else None,
    )


@router.get("/evidence/records/{record_id}", response_model=RecordRead)
def record(session: DbSession, _principal: Auditor, record_id: uuid.UUID) -> RecordRead:
    rec = service.get_record(session, record_id)
    leaf = log.entry_for_record(session, rec.id)
    return RecordRead(
        id=str(rec.id),
        kind=rec.kind,
        subject_type=rec.subject_type,
        subject_id=rec.subject_id,
        version=rec.version,
        commitment=rec.commitment,
        prev_commitment=rec.prev_commitment,
        created_at=rec.created_at,
        erased=rec.erased_at is not None,
        leaf_index=leaf.idx if leaf else None,
    )


@router.get(
    "/evidence/bundles/{subject_type}/{subject_id}",
    response_class=JSONResponse,
    responses={200: {"description": "an evidence bundle (carecover-evidence-bundle/1)"}},
)
def bundle(
    session: DbSession,
    principal: OptionalPrincipal,
    subject_type: SubjectType,
    subject_id: SubjectId,
    since: Annotated[str | None, Query(pattern=DECIMAL)] = None,
) -> JSONResponse:
    """Download the evidence bundle of one subject; check it offline with ``carecover-verify``.
    With ``since`` (the size of a checkpoint you kept) the bundle also proves the log only grew
    since then (``carecover-verify --previous``)."""
    disclosure = service.disclosure_for(session, principal, subject_type, subject_id)
    result = service.build_bundle(
        session,
        service.get_signer(),
        subject_type=subject_type,
        subject_id=subject_id,
        disclosure=disclosure,
        since=_number(since, "since") if since is not None else None,
    )
    return JSONResponse(
        result.document,
        headers={"Content-Disposition": f'attachment; filename="{result.filename}"'},
    )
