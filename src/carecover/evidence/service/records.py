"""Anchoring records: a salted commitment goes on the log, the content and salt stay off it.

Domains call :func:`anchor` inside their own transaction, right where the provable change
happens (a claim decision, a repair milestone, a part event …). The envelope waits in
``ledger_pending`` until the sequencer gives it an index; if the business transaction rolls back,
so does the anchor.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from carecover.evidence.errors import EvidenceContentInvalid, RecordNotFound
from carecover.evidence.models import EvidenceRecord, LedgerPending
from carecover.platform.clock import utc_now
from carecover.platform.crypto.fields import FieldRef, get_cipher
from carecover.platform.ids import new_id
from carecover.platform.ledger.canonical import (
    CanonicalJsonError,
    canonical_bytes,
    commitment,
    new_salt,
)

ENVELOPE_VERSION = 1


class RecordKind(StrEnum):
    """What may be anchored (MISSION B2/F3). Domains without a kind yet add one here."""

    claim_document = "claim_document"
    claim_photo = "claim_photo"
    estimate = "estimate"
    claim_decision = "claim_decision"
    repair_milestone = "repair_milestone"
    service_review = "service_review"
    partner_evaluation = "partner_evaluation"
    settlement_statement = "settlement_statement"
    part_event = "part_event"


def _iso(value: datetime) -> str:
    return (
        value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    )


def envelope(record: EvidenceRecord, public: Mapping[str, Any] | None) -> dict[str, Any]:
    """The leaf content: opaque ids, the commitment, and only what is meant to be public."""
    body: dict[str, Any] = {
        "v": ENVELOPE_VERSION,
        "type": record.kind,
        "id": str(record.id),
        "subject": {"type": record.subject_type, "id": record.subject_id},
        "ver": record.version,
        "prev": record.prev_commitment,
        "ts": _iso(record.created_at),
        "org": str(record.org_id) if record.org_id else None,
        "commitment": record.commitment,
    }
    if public:
        body["public"] = dict(public)
    return body


def anchor(
    session: Session,
    *,
    kind: RecordKind,
    subject_type: str,
    subject_id: str,
    content: Mapping[str, Any],
    personal: bool = True,
    party_id: uuid.UUID | None = None,
    org_id: uuid.UUID | None = None,
    supersedes: EvidenceRecord | None = None,
    public: Mapping[str, Any] | None = None,
) -> EvidenceRecord:
    """Commit to ``content`` on the log (in the caller's transaction) and keep it off the log.

    ``personal`` content is stored encrypted and can be erased; ``public`` fields (an EPCIS event
    without personal data, for instance) are written into the leaf itself.
    """
    try:
        data = canonical_bytes(content)
    except (CanonicalJsonError, TypeError, ValueError) as exc:
        raise EvidenceContentInvalid(str(exc)) from exc
    salt = new_salt()
    record = EvidenceRecord(
        id=new_id(),
        kind=kind.value,
        subject_type=subject_type,
        subject_id=subject_id,
        version=supersedes.version + 1 if supersedes else 1,
        prev_commitment=supersedes.commitment if supersedes else None,
        commitment=commitment(salt, data),
        personal=personal,
        salt=salt,
        party_id=party_id,
        org_id=org_id,
        created_at=utc_now(),
    )
    record.content = _seal(record, data) if personal else data
    try:
        body = canonical_bytes(envelope(record, public))
    except (CanonicalJsonError, TypeError, ValueError) as exc:
        raise EvidenceContentInvalid(str(exc)) from exc
    session.add(record)  # flushed with the caller's other writes, in one batch
    session.add(LedgerPending(record_id=record.id, body=body))
    return record


def _ref(record: EvidenceRecord) -> FieldRef:
    return FieldRef("evidence_records", "content", str(record.id))


def _seal(record: EvidenceRecord, data: bytes) -> bytes:
    return get_cipher().encrypt(data.decode("utf-8"), _ref(record))


def content_bytes(record: EvidenceRecord) -> bytes | None:
    """The committed canonical bytes, or ``None`` once erased."""
    if record.content is None:
        return None
    if not record.personal:
        return record.content
    return get_cipher().decrypt(record.content, _ref(record)).encode("utf-8")


def get_record(session: Session, record_id: uuid.UUID) -> EvidenceRecord:
    record = session.get(EvidenceRecord, record_id)
    if record is None:
        raise RecordNotFound()
    return record


def records_for(session: Session, subject_type: str, subject_id: str) -> list[EvidenceRecord]:
    return list(
        session.scalars(
            select(EvidenceRecord)
            .where(
                EvidenceRecord.subject_type == subject_type,
                EvidenceRecord.subject_id == subject_id,
            )
            .order_by(EvidenceRecord.created_at, EvidenceRecord.id)
        )
    )


def erase_party(session: Session, party_id: uuid.UUID) -> int:
    """PIPL Art. 47: delete the content and salt of every record about ``party_id``.

    The log keeps its commitments (no personal data is on it) and stays valid; without the salt
    nobody can link a commitment to the person any more.
    """
    result = session.execute(
        update(EvidenceRecord)
        .where(EvidenceRecord.party_id == party_id, EvidenceRecord.erased_at.is_(None))
        .values(content=None, salt=None, erased_at=utc_now())
    )
    return int(getattr(result, "rowcount", 0) or 0)
