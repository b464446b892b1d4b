"""RFC 6962/9162 hashing known answers, attack probes and strict input checks."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from carecover.platform.ledger.tree import MemoryTree
from carecover.verifier.merkle import (
    EMPTY_ROOT,
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

# The RFC 6962 reference leaves and the roots of their prefixes (sizes 1..8), as used by the
# Certificate Transparency and Trillian test suites.
REFERENCE_LEAVES = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    bytes(range(0x50, 0x58)),
    bytes(range(0x60, 0x70)),
]
REFERENCE_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]


def _tree(leaves: list[bytes]) -> MemoryTree:
    tree = MemoryTree()
    for leaf in leaves:
        tree.append(leaf)
    return tree


@pytest.fixture(scope="module")
def tree8() -> MemoryTree:
    return _tree(REFERENCE_LEAVES)


# --- known answers -------------------------------------------------------------------------


def test_empty_tree_root() -> None:
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert MemoryTree().root() == EMPTY_ROOT


def test_empty_leaf_hash() -> None:
    assert leaf_hash(b"").hex() == (
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    )


def test_leaf_hash_known_answer() -> None:
    assert leaf_hash(b"L123456").hex() == (
        "395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56"
    )


def test_node_hash_known_answer() -> None:
    assert node_hash(b"N123", b"N456").hex() == (
        "aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb"
    )


def test_hashes_use_the_domain_prefixes() -> None:
    assert leaf_hash(b"x") == hashlib.sha256(b"\x00x").digest()
    assert node_hash(b"a", b"b") == hashlib.sha256(b"\x01ab").digest()


@pytest.mark.parametrize("size", range(1, 9))
def test_reference_tree_roots(tree8: MemoryTree, size: int) -> None:
    assert tree8.root(size).hex() == REFERENCE_ROOTS[size - 1]


# --- attack probes -------------------------------------------------------------------------


def test_second_preimage_a_node_is_not_a_leaf() -> None:
    a, b = leaf_hash(b"a"), leaf_hash(b"b")
    forged = a + b  # 64 bytes of leaf data that spell out two child hashes
    assert leaf_hash(forged) != node_hash(a, b)
    parent = _tree([b"a", b"b"]).root()
    with pytest.raises(ProofError) as caught:
        verify_inclusion(leaf_hash=leaf_hash(forged), index=0, size=1, proof=[], root=parent)
    assert caught.value.code == "proof.root_mismatch"


def test_second_preimage_leaf_data_spelling_out_a_subtree_is_not_included() -> None:
    tree = _tree([bytes([i]) for i in range(4)])
    left = node_hash(tree.leaf_hash(0), tree.leaf_hash(1))
    right = node_hash(tree.leaf_hash(2), tree.leaf_hash(3))
    assert node_hash(left, right) == tree.root()
    # Claiming the 64 bytes ``left || right`` as the data of a one-leaf tree fails ...
    with pytest.raises(ProofError):
        verify_inclusion(
            leaf_hash=leaf_hash(left + right), index=0, size=1, proof=[], root=tree.root()
        )
    # ... and so does claiming ``left`` (as data) as leaf 0 of a two-leaf tree.
    with pytest.raises(ProofError):
        verify_inclusion(
            leaf_hash=leaf_hash(left), index=0, size=2, proof=[right], root=tree.root()
        )


@pytest.mark.parametrize("size", range(1, 17))
def test_cve_2012_2459_duplicated_tail_changes_the_root(size: int) -> None:
    leaves = [f"leaf {i}".encode() for i in range(size)]
    tree = _tree(leaves)
    padded = _tree([*leaves, leaves[-1]])
    assert padded.root() != tree.root()
    if size % 2 == 0 and size >= 2:
        pairs = _tree([*leaves, *leaves[-2:]])
        assert pairs.root() != tree.root()
    duplicate = padded.inclusion_proof(size)
    with pytest.raises(ProofError):
        verify_inclusion(
            leaf_hash=leaf_hash(leaves[-1]),
            index=size,
            size=size + 1,
            proof=duplicate,
            root=tree.root(),
        )


# --- strict inputs -------------------------------------------------------------------------


def _inclusion_args(tree: MemoryTree, index: int) -> dict[str, Any]:
    return {
        "leaf_hash": tree.leaf_hash(index),
        "index": index,
        "size": tree.size,
        "proof": tree.inclusion_proof(index),
        "root": tree.root(),
    }


def _consistency_args(tree: MemoryTree, size1: int) -> dict[str, Any]:
    return {
        "size1": size1,
        "size2": tree.size,
        "proof": tree.consistency_proof(size1),
        "root1": tree.root(size1),
        "root2": tree.root(),
    }


def _code(call: Any, **kwargs: Any) -> str:
    with pytest.raises(ProofError) as caught:
        call(**kwargs)
    return caught.value.code


def test_valid_baselines(tree8: MemoryTree) -> None:
    verify_inclusion(**_inclusion_args(tree8, 5))
    verify_consistency(**_consistency_args(tree8, 3))


@pytest.mark.parametrize("length", [0, 31, 33])
def test_proof_elements_of_the_wrong_size(tree8: MemoryTree, length: int) -> None:
    args = _inclusion_args(tree8, 5)
    args["proof"][1] = bytes(length)
    assert _code(verify_inclusion, **args) == "proof.element_size"
    cargs = _consistency_args(tree8, 3)
    cargs["proof"][0] = bytes(length)
    assert _code(verify_consistency, **cargs) == "proof.element_size"


@pytest.mark.parametrize("field", ["leaf_hash", "root"])
@pytest.mark.parametrize("length", [0, 31, 33])
def test_leaf_and_root_of_the_wrong_size(tree8: MemoryTree, field: str, length: int) -> None:
    args = _inclusion_args(tree8, 2)
    args[field] = bytes(length)
    assert _code(verify_inclusion, **args) == "proof.hash_size"


@pytest.mark.parametrize("value", [True, False, 5.0, "5", None, b"\x05"])
def test_index_must_be_a_plain_int(tree8: MemoryTree, value: object) -> None:
    args = _inclusion_args(tree8, 5)
    args["index"] = value
    assert _code(verify_inclusion, **args) == "proof.type"


@pytest.mark.parametrize("field", ["size1", "size2"])
@pytest.mark.parametrize("value", [True, 3.0, "3"])
def test_sizes_must_be_plain_ints(tree8: MemoryTree, field: str, value: object) -> None:
    args = _consistency_args(tree8, 3)
    args[field] = value
    assert _code(verify_consistency, **args) == "proof.type"


@pytest.mark.parametrize("proof", ["abc", b"\x00" * 32, 7, None])
def test_proof_must_be_a_sequence_of_bytes(tree8: MemoryTree, proof: object) -> None:
    args = _inclusion_args(tree8, 5)
    args["proof"] = proof
    assert _code(verify_inclusion, **args) == "proof.type"


def test_proof_elements_must_be_bytes(tree8: MemoryTree) -> None:
    args = _inclusion_args(tree8, 5)
    args["proof"][0] = args["proof"][0].hex()
    assert _code(verify_inclusion, **args) == "proof.type"
    args["proof"][0] = bytearray(32)
    assert _code(verify_inclusion, **args) == "proof.type"


def test_index_equal_to_size_and_negative_index(tree8: MemoryTree) -> None:
    args = _inclusion_args(tree8, 7)
    args["index"] = 8
    assert _code(verify_inclusion, **args) == "proof.index_range"
    args["index"] = -1
    assert _code(verify_inclusion, **args) == "proof.index_range"


def test_sizes_beyond_2_63_are_refused(tree8: MemoryTree) -> None:
    args = _inclusion_args(tree8, 0)
    args["size"] = MAX_SIZE + 1
    assert _code(verify_inclusion, **args) == "proof.size_range"
    args["size"], args["index"] = MAX_SIZE, MAX_SIZE - 1
    assert _code(verify_inclusion, **args) == "proof.length"


def test_size_zero_has_no_leaves_and_no_proof() -> None:
    assert (
        _code(verify_inclusion, leaf_hash=EMPTY_ROOT, index=0, size=0, proof=[], root=EMPTY_ROOT)
        == "proof.index_range"
    )
    some = leaf_hash(b"x")
    assert (
        _code(verify_consistency, size1=0, size2=3, proof=[some], root1=EMPTY_ROOT, root2=some)
        == "proof.length"
    )
    verify_consistency(size1=0, size2=3, proof=[], root1=EMPTY_ROOT, root2=some)
    assert (
        _code(verify_consistency, size1=0, size2=3, proof=[], root1=some, root2=some)
        == "proof.root_mismatch"
    )


def test_size1_larger_than_size2(tree8: MemoryTree) -> None:
    args = _consistency_args(tree8, 3)
    args["size1"], args["size2"] = 8, 3
    assert _code(verify_consistency, **args) == "proof.size_order"


def test_equal_sizes(tree8: MemoryTree) -> None:
    root = tree8.root()
    verify_consistency(size1=8, size2=8, proof=[], root1=root, root2=root)
    other = tree8.root(7)
    assert (
        _code(verify_consistency, size1=8, size2=8, proof=[], root1=root, root2=other)
        == "proof.root_mismatch"
    )
    assert (
        _code(verify_consistency, size1=8, size2=8, proof=[root], root1=root, root2=root)
        == "proof.length"
    )


@pytest.mark.parametrize("where", ["trailing", "preceding"])
def test_extra_elements_are_refused(tree8: MemoryTree, where: str) -> None:
    extra = tree8.root()
    args = _inclusion_args(tree8, 5)
    args["proof"] = [*args["proof"], extra] if where == "trailing" else [extra, *args["proof"]]
    assert _code(verify_inclusion, **args) == "proof.length"
    cargs = _consistency_args(tree8, 3)
    cargs["proof"] = [*cargs["proof"], extra] if where == "trailing" else [extra, *cargs["proof"]]
    assert _code(verify_consistency, **cargs) == "proof.length"


def test_overlong_proofs_are_refused_before_hashing(tree8: MemoryTree) -> None:
    args = _inclusion_args(tree8, 5)
    args["proof"] = [bytes(32)] * (MAX_PROOF_LEN + 1)
    assert _code(verify_inclusion, **args) == "proof.length"


def test_root_from_inclusion_gives_the_root(tree8: MemoryTree) -> None:
    args = _inclusion_args(tree8, 6)
    root = args.pop("root")
    assert root_from_inclusion(**args) == root


def test_proof_lengths_for_huge_trees() -> None:
    assert inclusion_proof_length(0, MAX_SIZE) == 63
    assert inclusion_proof_length(MAX_SIZE - 1, MAX_SIZE) == 63
    assert consistency_proof_length(1, MAX_SIZE) == 63
    assert consistency_proof_length(MAX_SIZE - 1, MAX_SIZE) <= MAX_PROOF_LEN
