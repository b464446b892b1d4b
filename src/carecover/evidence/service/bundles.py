"""Evidence bundles: everything needed to check a subject's records offline.

A bundle holds, per anchored record, the leaf bytes, its inclusion proof against the latest
signed checkpoint, and — where the requester may see it — the committed content and its salt.
``carecover-verify`` (``carecover.verifier``) checks it with nothing but ``cryptography``.

Who may see what is decided per subject type by the domain that owns the subject
(:func:`register_subject`); without a registered policy only the log's own data is given.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from carecover.evidence.errors import EvidencePending, SubjectUnknown
from carecover.evidence.models import EvidenceRecord, LedgerLeaf
from carecover.evidence.service import log
from carecover.evidence.service.records import content_bytes, records_for
from carecover.evidence.service.signer import LogSigner
from carecover.platform.auth.roles import Permission, has_permission
from carecover.platform.auth.service import Principal
from carecover.platform.clock import utc_now
from carecover.verifier.bundle import FORMAT

BUNDLE_FORMAT = FORMAT
"""The bundle format, as the offline verifier defines it."""


class Disclosure(StrEnum):
    """How much of a subject's evidence a requester gets."""

    none = "none"
    """Not even that the subject exists (answered as not found)."""
    commitments = "commitments"
    """Leaves, proofs and checkpoint; content and salts withheld."""
    full = "full"
    """Also the committed content and salts, so commitments can be opened."""


DisclosurePolicy = Callable[[Session, Principal | None, str], Disclosure]
_POLICIES: dict[str, DisclosurePolicy] = {}


def register_subject(subject_type: str, policy: DisclosurePolicy) -> None:
    """Declare who may download bundles for ``subject_type`` (called by the owning domain)."""
    _POLICIES[subject_type] = policy


def disclosure_for(
    session: Session, principal: Principal | None, subject_type: str, subject_id: str
) -> Disclosure:
    """Auditors and admins see everything; otherwise the owning domain's policy decides."""
    if principal is not None and has_permission(principal.role, Permission.audit_read):
        return Disclosure.full
    policy = _POLICIES.get(subject_type)
    if policy is None:
        return Disclosure.none
    return policy(session, principal, subject_id)


@dataclass(frozen=True)
class Bundle:
    subject_type: str
    subject_id: str
    document: dict[str, Any]
    pending: int
    """Records anchored but not yet sequenced (they appear in a later bundle)."""

    @property
    def filename(self) -> str:
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in self.subject_id)[:80]
        return f"evidence-{self.subject_type}-{safe}.json"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def build_bundle(
    session: Session,
    signer: LogSigner,
    *,
    subject_type: str,
    subject_id: str,
    disclosure: Disclosure,
    since: int | None = None,
) -> Bundle:
    """The bundle for one subject, proofs against the latest checkpoint; with ``since`` (the
    size of a checkpoint the requester kept) also the consistency proof from that size."""
    if disclosure is Disclosure.none:
        raise SubjectUnknown()
    records = records_for(session, subject_type, subject_id)
    if not records:
        raise SubjectUnknown()
    checkpoint = log.latest_checkpoint(session)
    by_record = _leaves_of(session, records, checkpoint.size)
    entries: list[dict[str, Any]] = []
    for record in records:
        leaf = by_record.get(record.id)
        if leaf is None:
            continue
        proof = log.inclusion_proof(session, leaf.idx, checkpoint.size)
        opened = disclosure is Disclosure.full
        content = content_bytes(record) if opened else None
        entries.append(
            {
                "index": leaf.idx,
                "leaf": _b64(leaf.body),
                "proof": [_b64(h) for h in proof],
                "record": {
                    "content": _b64(content) if content is not None else None,
                    "salt": _b64(record.salt) if opened and record.salt is not None else None,
                },
            }
        )
    if not entries:
        raise EvidencePending()
    consistency = None
    if since is not None:
        proof_c = log.consistency_proof(session, since, checkpoint.size)
        consistency = {"size1": since, "proof": [_b64(h) for h in proof_c]}
    document = {
        "format": BUNDLE_FORMAT,
        "subject": {"type": subject_type, "id": subject_id},
        "log": {"origin": signer.origin, "public_key": signer.vkey},
        "checkpoint": checkpoint.note,
        "entries": entries,
        "generated_at": utc_now().isoformat(timespec="seconds").replace("+00:00", "Z"),
    }
    if consistency is not None:
        document["consistency"] = consistency
    return Bundle(subject_type, subject_id, document, pending=len(records) - len(entries))


def _leaves_of(session: Session, records: list[EvidenceRecord], size: int) -> dict[Any, LedgerLeaf]:
    ids = [r.id for r in records]
    rows = session.scalars(
        select(LedgerLeaf).where(LedgerLeaf.record_id.in_(ids), LedgerLeaf.idx < size)
    )
    return {leaf.record_id: leaf for leaf in rows}
