"""RFC 9162 Merkle tree hashing and proof verification (SHA-256).

Leaves are hashed as ``SHA-256(0x00 || data)`` and interior nodes as
``SHA-256(0x01 || left || right)`` (RFC 9162 §2.1.1), so a leaf can never pass for a node.

The verifiers follow RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2 (consistency) step by step,
after strict input checks: sizes and indices are plain ``int`` values, every hash is exactly
32 bytes, and a proof must have exactly the length the tree shape calls for. Every failure
raises :class:`ProofError`; roots are compared in constant time.

Standard library only: this module is part of the standalone offline verifier.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence

HASH_SIZE = 32
MAX_SIZE = 2**63
MAX_PROOF_LEN = 64
EMPTY_ROOT = hashlib.sha256(b"").digest()

_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"


class ProofError(ValueError):
    """A proof or one of its inputs is invalid; ``code`` is a stable short identifier."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def leaf_hash(data: bytes) -> bytes:
    """The RFC 9162 hash of a leaf: SHA-256(0x00 || data)."""
    return hashlib.sha256(_LEAF_PREFIX + bytes(data)).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """The RFC 9162 hash of an interior node: SHA-256(0x01 || left || right)."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def roots_equal(a: bytes, b: bytes) -> bool:
    """Constant-time comparison of two hashes."""
    return hmac.compare_digest(a, b)


# --- input checks -------------------------------------------------------------------------


def _check_int(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ProofError("proof.type", f"{name} must be an integer, not {type(value).__name__}")
    return value


def _check_size(name: str, value: object) -> int:
    size = _check_int(name, value)
    if not 0 <= size <= MAX_SIZE:
        raise ProofError("proof.size_range", f"{name} {size} is outside 0..2^63")
    return size


def _check_hash(name: str, value: object) -> bytes:
    if not isinstance(value, bytes):
        raise ProofError("proof.type", f"{name} must be bytes, not {type(value).__name__}")
    if len(value) != HASH_SIZE:
        raise ProofError(
            "proof.hash_size", f"{name} is {len(value)} bytes; a SHA-256 hash is {HASH_SIZE}"
        )
    return value


def _check_proof(proof: object) -> list[bytes]:
    if isinstance(proof, str | bytes | bytearray | memoryview) or not isinstance(proof, Sequence):
        raise ProofError("proof.type", "the proof must be a sequence of hashes")
    if len(proof) > MAX_PROOF_LEN:
        raise ProofError(
            "proof.length", f"the proof has {len(proof)} elements; at most {MAX_PROOF_LEN}"
        )
    elements: list[bytes] = []
    for i, element in enumerate(proof):
        if not isinstance(element, bytes):
            raise ProofError(
                "proof.type", f"proof element {i} must be bytes, not {type(element).__name__}"
            )
        if len(element) != HASH_SIZE:
            raise ProofError(
                "proof.element_size",
                f"proof element {i} is {len(element)} bytes; a SHA-256 hash is {HASH_SIZE}",
            )
        elements.append(element)
    return elements


def _largest_power_of_two_below(n: int) -> int:
    """The largest power of two strictly smaller than ``n`` (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def inclusion_proof_length(index: int, size: int) -> int:
    """How many hashes the audit path of leaf ``index`` in a tree of ``size`` leaves has.

    Counts the steps of RFC 9162 §2.1.3.1 (PATH) without hashing anything.
    """
    length, lo, hi = 0, 0, size
    while hi - lo > 1:
        k = _largest_power_of_two_below(hi - lo)
        if index - lo < k:
            hi = lo + k
        else:
            lo += k
        length += 1
    return length


def consistency_proof_length(size1: int, size2: int) -> int:
    """How many hashes the consistency proof between ``0 < size1 < size2`` has.

    Counts the steps of RFC 9162 §2.1.4.1 (SUBPROOF) without hashing anything.
    """
    length, lo, hi, complete = 0, 0, size2, True
    while size1 != hi:
        k = _largest_power_of_two_below(hi - lo)
        if size1 - lo <= k:
            hi = lo + k
        else:
            lo += k
            complete = False
        length += 1
    return length if complete else length + 1


# --- inclusion (RFC 9162 §2.1.3.2) ---------------------------------------------------------


def root_from_inclusion(
    *, leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes]
) -> bytes:
    """The root that ``proof`` implies for ``leaf_hash`` at ``index`` in a tree of ``size``.

    Raises :class:`ProofError` when the inputs are malformed or the proof has the wrong shape.
    """
    index = _check_int("index", index)
    size = _check_size("size", size)
    leaf = _check_hash("leaf hash", leaf_hash)
    path = _check_proof(proof)
    if not 0 <= index < size:
        raise ProofError("proof.index_range", f"leaf index {index} is not below tree size {size}")
    expected = inclusion_proof_length(index, size)
    if len(path) != expected:
        raise ProofError(
            "proof.length",
            f"an inclusion proof for leaf {index} of {size} has {expected} elements, "
            f"not {len(path)}",
        )
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            raise ProofError("proof.length", "the inclusion proof is longer than the tree")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("proof.length", "the inclusion proof is shorter than the tree")
    return r


def verify_inclusion(
    *, leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that ``leaf_hash`` is leaf ``index`` of the tree of ``size`` with ``root``."""
    expected_root = _check_hash("root", root)
    computed = root_from_inclusion(leaf_hash=leaf_hash, index=index, size=size, proof=proof)
    if not roots_equal(computed, expected_root):
        raise ProofError(
            "proof.root_mismatch",
            f"the inclusion proof for leaf {index} does not lead to the root of tree size {size}",
        )


# --- consistency (RFC 9162 §2.1.4.2) -------------------------------------------------------


def verify_consistency(
    *, size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes
) -> None:
    """Check that the tree of ``size1`` with ``root1`` is a prefix of ``size2`` with ``root2``.

    ``size1 == size2`` needs an empty proof and equal roots; ``size1 == 0`` needs an empty
    proof and the empty-tree root as ``root1``.
    """
    size1 = _check_size("size1", size1)
    size2 = _check_size("size2", size2)
    path = _check_proof(proof)
    first = _check_hash("root1", root1)
    second = _check_hash("root2", root2)
    if size1 > size2:
        raise ProofError("proof.size_order", f"size1 {size1} is larger than size2 {size2}")
    if size1 == 0 or size1 == size2:
        if path:
            raise ProofError(
                "proof.length",
                f"a consistency proof from size {size1} to {size2} must be empty",
            )
        if size1 == 0 and not roots_equal(first, EMPTY_ROOT):
            raise ProofError("proof.root_mismatch", "root1 is not the root of the empty tree")
        if size2 == size1 and not roots_equal(first, second):
            raise ProofError(
                "proof.root_mismatch", f"two different roots for the same tree size {size1}"
            )
        return
    expected = consistency_proof_length(size1, size2)
    if len(path) != expected:
        raise ProofError(
            "proof.length",
            f"a consistency proof from size {size1} to {size2} has {expected} elements, "
            f"not {len(path)}",
        )
    if size1 & (size1 - 1) == 0:
        path.insert(0, first)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("proof.length", "the consistency proof is longer than the tree")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("proof.length", "the consistency proof is shorter than the tree")
    first_ok = roots_equal(fr, first)
    second_ok = roots_equal(sr, second)
    if not (first_ok and second_ok):
        raise ProofError(
            "proof.root_mismatch",
            f"the consistency proof does not connect the roots of sizes {size1} and {size2}",
        )
