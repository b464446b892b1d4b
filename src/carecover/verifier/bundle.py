"""Offline verification of CareCover evidence bundles (``carecover-evidence-bundle/1``).

A bundle is one JSON file::

    {"format": "carecover-evidence-bundle/1",
     "subject": {"type": "claim", "id": "..."},
     "log": {"origin": "...", "public_key": "<vkey>"},
     "checkpoint": "<signed note>",
     "entries": [{"index": 0, "leaf": "<base64>", "proof": ["<base64 hash>", ...],
                  "record": {"content": "<base64>" | null, "salt": "<base64>" | null}}],
     "generated_at": "<ISO 8601 UTC>"}

Each leaf is UTF-8 JSON of an envelope with at least ``commitment`` (``sha256:<64 hex>``),
``type`` and ``id``. An entry verifies when the leaf is included at ``index`` in the tree the
*verified* checkpoint describes (its size and root, never the bundle's own claims) and, when
the record is disclosed, ``SHA-256(salt || content)`` equals the commitment.

Malformed bundles raise :class:`BundleError`; evidence that does not check out is reported in
a :class:`BundleReport` with ``ok`` false.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from . import strict_json  # noqa: TID252 - the verifier stands alone
from .merkle import ProofError, leaf_hash, verify_consistency, verify_inclusion  # noqa: TID252
from .note import Checkpoint, NoteError, NoteVerifier, open_checkpoint  # noqa: TID252

FORMAT = "carecover-evidence-bundle/1"
MAX_BUNDLE_SIZE = 16 * 1024 * 1024

VERIFIED = "verified"
NOT_DISCLOSED = "not disclosed"
MISMATCH = "mismatch"

_COMMITMENT = re.compile(r"sha256:([0-9a-f]{64})")
_TOP_KEYS = {"format", "subject", "log", "checkpoint", "entries", "generated_at", "consistency"}
_ENTRY_KEYS = {"index", "leaf", "proof", "record"}

UNPINNED_WARNING = (
    "no trusted key was given: the checkpoint was checked with the key named inside the "
    "bundle, which shows the bundle is self-consistent but not who issued it; "
    "pass --key with the log's published key"
)


class BundleError(ValueError):
    """The bundle (or the trusted key given with it) is malformed; ``code`` is stable."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class EntryResult:
    """The outcome for one entry: inclusion in the log and the record's commitment."""

    index: int
    type: str
    id: str
    included: bool
    commitment: str
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.included and self.commitment != MISMATCH

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "type": self.type,
            "id": self.id,
            "included": self.included,
            "commitment": self.commitment,
            "reason": self.reason,
            "ok": self.ok,
        }


@dataclass(frozen=True, slots=True)
class BundleReport:
    """What was verified. ``ok`` needs a verified checkpoint and every entry verified."""

    subject_type: str
    subject_id: str
    origin: str
    key_name: str
    key_pinned: bool
    checkpoint: Checkpoint | None
    generated_at: str
    entries: tuple[EntryResult, ...]
    errors: tuple[str, ...]
    warnings: tuple[str, ...]

    @property
    def checkpoint_verified(self) -> bool:
        return self.checkpoint is not None

    @property
    def ok(self) -> bool:
        return (
            self.checkpoint is not None
            and not self.errors
            and bool(self.entries)
            and all(entry.ok for entry in self.entries)
        )

    def to_dict(self) -> dict[str, Any]:
        cp = self.checkpoint
        return {
            "ok": self.ok,
            "format": FORMAT,
            "subject": {"type": self.subject_type, "id": self.subject_id},
            "log": {"origin": self.origin, "key": self.key_name, "key_pinned": self.key_pinned},
            "checkpoint": {
                "verified": cp is not None,
                "size": cp.size if cp else None,
                "root": base64.b64encode(cp.root).decode("ascii") if cp else None,
            },
            "generated_at": self.generated_at,
            "entries": [entry.to_dict() for entry in self.entries],
            "errors": list(self.errors),
            "warnings": list(self.warnings),
        }


@dataclass(frozen=True, slots=True)
class _Entry:
    index: int
    leaf: bytes
    proof: tuple[bytes, ...]
    content: bytes | None
    salt: bytes | None


# --- structure -----------------------------------------------------------------------------


def _obj(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise BundleError("bundle.structure", f"{where} must be a JSON object")
    return value


def _get(obj: dict[str, Any], key: str, where: str) -> Any:
    if key not in obj:
        raise BundleError("bundle.structure", f"{where} has no {key!r}")
    return obj[key]


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise BundleError("bundle.structure", f"{where} must be a non-empty string")
    return value


def _b64(value: Any, where: str) -> bytes:
    if not isinstance(value, str):
        raise BundleError("bundle.base64", f"{where} must be a base64 string")
    try:
        raw = base64.b64decode(value.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error, ValueError) as exc:
        raise BundleError("bundle.base64", f"{where} is not valid base64") from exc
    if base64.b64encode(raw).decode("ascii") != value:
        raise BundleError("bundle.base64", f"{where} is not canonical base64")
    return raw


def _entry(value: Any, n: int, warnings: list[str]) -> _Entry:
    where = f"entry {n}"
    obj = _obj(value, where)
    warnings.extend(f"{where}: unknown field {key!r} ignored" for key in obj.keys() - _ENTRY_KEYS)
    index = _get(obj, "index", where)
    if isinstance(index, bool) or not isinstance(index, int) or index < 0:
        raise BundleError("bundle.structure", f"{where}: index must be a non-negative integer")
    proof = _get(obj, "proof", where)
    if not isinstance(proof, list):
        raise BundleError("bundle.structure", f"{where}: proof must be a list")
    record = _obj(_get(obj, "record", where), f"{where}: record")
    content, salt = record.get("content"), record.get("salt")
    if (content is None) != (salt is None):
        raise BundleError(
            "bundle.record", f"{where}: a record discloses both content and salt, or neither"
        )
    return _Entry(
        index=index,
        leaf=_b64(_get(obj, "leaf", where), f"{where}: leaf"),
        proof=tuple(_b64(p, f"{where}: proof element {i}") for i, p in enumerate(proof)),
        content=None if content is None else _b64(content, f"{where}: record content"),
        salt=None if salt is None else _b64(salt, f"{where}: record salt"),
    )


def _generated_at(value: Any) -> str:
    text = _text(value, "generated_at")
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise BundleError("bundle.generated_at", "generated_at is not an ISO 8601 time") from exc
    if moment.utcoffset() != timedelta(0):
        raise BundleError("bundle.generated_at", "generated_at must be in UTC")
    return text


def _verifier(vkey: str, where: str, code: str) -> NoteVerifier:
    try:
        return NoteVerifier.from_vkey(vkey)
    except NoteError as exc:
        raise BundleError(code, f"{where} is not a valid verifier key: {exc}") from exc


# --- verification --------------------------------------------------------------------------


def _envelope(leaf: bytes) -> tuple[str, str, str]:
    """(type, id, commitment hex) of a leaf envelope; raises ValueError with a reason."""
    doc = strict_json.loads(leaf)
    if not isinstance(doc, dict):
        raise ValueError("the leaf is not a JSON object")
    kind, ident, commitment = doc.get("type"), doc.get("id"), doc.get("commitment")
    if not isinstance(kind, str) or not isinstance(ident, str):
        raise ValueError("the leaf has no string 'type' and 'id'")
    match = _COMMITMENT.fullmatch(commitment) if isinstance(commitment, str) else None
    if match is None:
        raise ValueError("the leaf has no 'commitment' of the form sha256:<64 hex>")
    return kind, ident, match.group(1)


def _check_entry(entry: _Entry, checkpoint: Checkpoint | None) -> EntryResult:
    reasons: list[str] = []
    included = False
    if checkpoint is None:
        reasons.append("inclusion not checked: the checkpoint did not verify")
    else:
        try:
            verify_inclusion(
                leaf_hash=leaf_hash(entry.leaf),
                index=entry.index,
                size=checkpoint.size,
                proof=list(entry.proof),
                root=checkpoint.root,
            )
            included = True
        except ProofError as exc:
            reasons.append(f"not included in the log: {exc}")
    try:
        kind, ident, expected = _envelope(entry.leaf)
    except ValueError as exc:
        reasons.append(f"the leaf is not a valid evidence envelope: {exc}")
        return EntryResult(entry.index, "", "", included, MISMATCH, "; ".join(reasons))
    if entry.content is None or entry.salt is None:
        commitment = NOT_DISCLOSED
        reasons.append("commitment not disclosed")
    else:
        actual = hashlib.sha256(entry.salt + entry.content).hexdigest()
        if hmac.compare_digest(actual, expected):
            commitment = VERIFIED
        else:
            commitment = MISMATCH
            reasons.append("commitment mismatch: the disclosed record does not match the leaf")
    return EntryResult(entry.index, kind, ident, included, commitment, "; ".join(reasons) or None)


def _check_previous(
    doc: dict[str, Any], previous: str, verifier: NoteVerifier, current: Checkpoint
) -> str | None:
    """The log must only have grown since ``previous`` (a checkpoint the client trusted before):
    no rollback, no second root for one size (split view), and a consistency proof between."""
    try:
        earlier = open_checkpoint(previous, verifier, origin=current.origin)
    except NoteError as exc:
        return f"the previous checkpoint is not valid for this log: {exc}"
    if earlier.size > current.size:
        return f"rollback: the log shrank from {earlier.size} to {current.size} entries"
    if earlier.size == current.size:
        if earlier.root != current.root:
            return f"split view: two different signed roots for size {current.size}"
        return None
    raw = doc.get("consistency")
    if not isinstance(raw, dict) or raw.get("size1") != earlier.size:
        return f"no consistency proof from the previous size {earlier.size} in the bundle"
    proof_raw = raw.get("proof")
    if not isinstance(proof_raw, list):
        return "the consistency proof must be a list"
    try:
        proof = [_b64(item, "consistency proof") for item in proof_raw]
        verify_consistency(
            size1=earlier.size,
            size2=current.size,
            proof=proof,
            root1=earlier.root,
            root2=current.root,
        )
    except (BundleError, ProofError) as exc:
        return f"the log is not an extension of the previous checkpoint: {exc}"
    return None


def verify_bundle(
    data: bytes,
    *,
    trusted_key: str | None,
    origin: str | None = None,
    previous: str | None = None,
) -> BundleReport:
    """Verify an evidence bundle offline.

    ``trusted_key`` is the log's verifier key; without it the bundle's own key is used and
    the report says the key is not pinned. ``origin`` pins the log's origin. ``previous`` is a
    signed checkpoint the caller kept from an earlier check: the bundle's checkpoint must then
    extend it (detects rollbacks and split views).
    """
    if not isinstance(data, bytes):
        raise BundleError("bundle.type", "the bundle must be given as bytes")
    if len(data) > MAX_BUNDLE_SIZE:
        raise BundleError("bundle.too_large", f"the bundle is larger than {MAX_BUNDLE_SIZE} bytes")
    try:
        doc = _obj(strict_json.loads(data), "the bundle")
    except strict_json.StrictJSONError as exc:
        raise BundleError("bundle.json", f"the bundle is not strict JSON: {exc}") from exc
    if doc.get("format") != FORMAT:
        raise BundleError("bundle.format", f"the bundle format is not {FORMAT!r}")
    warnings = [f"unknown field {key!r} ignored" for key in sorted(doc.keys() - _TOP_KEYS)]
    subject = _obj(_get(doc, "subject", "the bundle"), "subject")
    log = _obj(_get(doc, "log", "the bundle"), "log")
    log_origin = _text(_get(log, "origin", "log"), "log origin")
    bundle_key = _text(_get(log, "public_key", "log"), "log public_key")
    signed = doc.get("checkpoint")
    if not isinstance(signed, str) or not signed:
        raise BundleError("bundle.checkpoint", "the bundle has no checkpoint")
    entries_raw = _get(doc, "entries", "the bundle")
    if not isinstance(entries_raw, list):
        raise BundleError("bundle.structure", "the bundle's entries must be a list")
    entries = [_entry(value, n, warnings) for n, value in enumerate(entries_raw)]
    subject_type = _text(_get(subject, "type", "subject"), "subject type")
    subject_id = _text(_get(subject, "id", "subject"), "subject id")
    generated_at = _generated_at(_get(doc, "generated_at", "the bundle"))

    if trusted_key is not None:
        verifier = _verifier(trusted_key, "the trusted key", "bundle.trusted_key")
        if bundle_key != verifier.vkey:
            warnings.append("the bundle names a different log key; the trusted key was used")
    else:
        verifier = _verifier(bundle_key, "the bundle's log public_key", "bundle.public_key")
        warnings.insert(0, UNPINNED_WARNING)

    errors = [] if entries else ["the bundle has no entries, so it proves nothing"]
    checkpoint: Checkpoint | None = None
    required = origin if origin is not None else log_origin
    try:
        checkpoint = open_checkpoint(signed, verifier, origin=required)
    except NoteError as exc:
        errors.append(f"checkpoint rejected: {exc}")
    if checkpoint is not None and checkpoint.origin != log_origin:
        errors.append(
            f"the bundle claims log {log_origin!r} but its checkpoint is from {checkpoint.origin!r}"
        )
    if previous is not None and checkpoint is not None:
        problem = _check_previous(doc, previous, verifier, checkpoint)
        if problem is not None:
            errors.append(problem)
    return BundleReport(
        subject_type=subject_type,
        subject_id=subject_id,
        generated_at=generated_at,
        origin=checkpoint.origin if checkpoint else log_origin,
        key_name=f"{verifier.name}+{verifier.key_id.hex()}",
        key_pinned=trusted_key is not None,
        checkpoint=checkpoint,
        entries=tuple(_check_entry(entry, checkpoint) for entry in entries),
        errors=tuple(errors),
        warnings=tuple(warnings),
    )
