"""A standalone offline verifier for CareCover evidence: RFC 9162 Merkle proofs, C2SP signed
notes and checkpoints, and evidence bundles.

It needs only the Python standard library and ``cryptography``, so this folder can be copied
out and run on its own: ``python -m carecover.verifier BUNDLE --key VKEY``.
"""

from .bundle import (  # noqa: TID252 - the verifier stands alone
    FORMAT,
    MISMATCH,
    NOT_DISCLOSED,
    VERIFIED,
    BundleError,
    BundleReport,
    EntryResult,
    verify_bundle,
)
from .merkle import (  # noqa: TID252
    EMPTY_ROOT,
    HASH_SIZE,
    MAX_PROOF_LEN,
    MAX_SIZE,
    ProofError,
    consistency_proof_length,
    inclusion_proof_length,
    leaf_hash,
    node_hash,
    root_from_inclusion,
    verify_consistency,
    verify_inclusion,
)
from .note import (  # noqa: TID252
    Checkpoint,
    Note,
    NoteError,
    NoteSignature,
    NoteVerifier,
    add_signature,
    format_checkpoint,
    key_id,
    open_checkpoint,
    parse_checkpoint,
    parse_note,
    sign_note,
    verify_note,
    vkey_for,
)

__all__ = [
    "EMPTY_ROOT",
    "FORMAT",
    "HASH_SIZE",
    "MAX_PROOF_LEN",
    "MAX_SIZE",
    "MISMATCH",
    "NOT_DISCLOSED",
    "VERIFIED",
    "BundleError",
    "BundleReport",
    "Checkpoint",
    "EntryResult",
    "Note",
    "NoteError",
    "NoteSignature",
    "NoteVerifier",
    "ProofError",
    "add_signature",
    "consistency_proof_length",
    "format_checkpoint",
    "inclusion_proof_length",
    "key_id",
    "leaf_hash",
    "node_hash",
    "open_checkpoint",
    "parse_checkpoint",
    "parse_note",
    "root_from_inclusion",
    "sign_note",
    "verify_bundle",
    "verify_consistency",
    "verify_inclusion",
    "verify_note",
    "vkey_for",
]
