"""Tree algorithms over perfect subtrees: exhaustive small trees, properties, an oracle."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carecover.platform.ledger.tree import (
    CompactRange,
    MemoryTree,
    NodeId,
    consistency_ranges,
    decompose,
    fold,
    inclusion_ranges,
    resolve,
)
from carecover.verifier.merkle import (
    EMPTY_ROOT,
    ProofError,
    consistency_proof_length,
    inclusion_proof_length,
    leaf_hash,
    node_hash,
    verify_consistency,
    verify_inclusion,
)

SMALL = 64
BIG = 3000


def _naive_mth(leaves: Sequence[bytes]) -> bytes:
    """RFC 9162 §2.1.1 MTH, straight from the definition."""
    if not leaves:
        return EMPTY_ROOT
    if len(leaves) == 1:
        return leaf_hash(leaves[0])
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return node_hash(_naive_mth(leaves[:k]), _naive_mth(leaves[k:]))


def _data(i: int) -> bytes:
    return f"entry {i}".encode()


def _build(n: int) -> MemoryTree:
    tree = MemoryTree()
    for i in range(n):
        assert tree.append(_data(i)) == i
    return tree


@pytest.fixture(scope="module")
def small() -> MemoryTree:
    return _build(SMALL)


BIG_TREE = _build(BIG)


def _flip(value: bytes, bit: int) -> bytes:
    out = bytearray(value)
    out[bit // 8] ^= 1 << (bit % 8)
    return bytes(out)


def _fails(check: object, **kwargs: object) -> bool:
    try:
        check(**kwargs)  # type: ignore[operator]
    except ProofError:
        return True
    return False


# --- pure functions ------------------------------------------------------------------------


def test_decompose_examples() -> None:
    assert decompose(0, 0) == []
    assert decompose(0, 1) == [(0, 0)]
    assert decompose(0, 8) == [(3, 0)]
    assert decompose(0, 13) == [(3, 0), (2, 2), (0, 12)]
    assert decompose(3, 13) == [(0, 3), (2, 1), (2, 2), (0, 12)]
    assert decompose(5, 6) == [(0, 5)]
    with pytest.raises(ValueError, match="after"):
        decompose(4, 3)


@pytest.mark.parametrize("end", range(SMALL + 1))
def test_decompose_covers_exactly_with_aligned_subtrees(end: int) -> None:
    for start in range(end + 1):
        covered = []
        for level, index in decompose(start, end):
            first = index << level
            assert first % (1 << level) == 0
            covered.extend(range(first, first + (1 << level)))
        assert covered == list(range(start, end))


def test_fold_matches_the_definition() -> None:
    for n in range(1, 40):
        leaves = [_data(i) for i in range(n)]
        tree = _build(n)
        hashes = [tree.get_nodes([node])[node] for node in decompose(0, n)]
        assert fold(hashes) == _naive_mth(leaves) == tree.root()
    with pytest.raises(ValueError, match="empty"):
        fold([])


@pytest.mark.parametrize("size", range(1, SMALL + 1))
def test_ranges_have_the_rfc_proof_lengths(size: int) -> None:
    for index in range(size):
        assert len(inclusion_ranges(index, size)) == inclusion_proof_length(index, size)
    for size1 in range(1, size):
        assert len(consistency_ranges(size1, size)) == consistency_proof_length(size1, size)
    assert consistency_ranges(0, size) == consistency_ranges(size, size) == []


def test_range_functions_refuse_bad_input() -> None:
    with pytest.raises(ValueError, match="not below"):
        inclusion_ranges(3, 3)
    with pytest.raises(ValueError, match="larger"):
        consistency_ranges(4, 3)
    with pytest.raises(TypeError):
        inclusion_ranges(True, 3)


def test_resolve_makes_one_deduplicated_call(small: MemoryTree) -> None:
    calls: list[list[NodeId]] = []

    def get_nodes(ids: Sequence[NodeId]) -> Mapping[NodeId, bytes]:
        calls.append(list(ids))
        return small.get_nodes(ids)

    ranges = [*inclusion_ranges(37, 61), (0, 61), (32, 61), *consistency_ranges(13, 61)]
    hashes = resolve(ranges, get_nodes)
    assert len(calls) == 1
    assert len(calls[0]) == len(set(calls[0]))
    assert hashes[len(inclusion_ranges(37, 61))] == small.root(61)
    assert resolve([], get_nodes) == []
    assert len(calls) == 1


def test_resolve_reports_missing_nodes() -> None:
    with pytest.raises(LookupError, match="lacks"):
        resolve([(0, 4)], lambda ids: {})


def test_compact_range_appends_and_reports_completed_nodes() -> None:
    edge = CompactRange.empty()
    assert edge.root() == EMPTY_ROOT
    assert edge.nodes() == []
    seen: dict[NodeId, bytes] = {}
    for i in range(SMALL):
        completed = edge.append(leaf_hash(_data(i)))
        expected = [(level, (i + 1) // (1 << level) - 1) for level in range(1, 7)]
        assert [node for node, _ in completed] == [
            node for node in expected if (i + 1) % (1 << node[0]) == 0
        ]
        seen.update(completed)
        assert edge.size == i + 1
        assert len(edge.hashes) == (i + 1).bit_count()
        assert edge.nodes() == decompose(0, i + 1)
        assert edge.root() == _naive_mth([_data(j) for j in range(i + 1)])
    tree = _build(SMALL)
    assert seen == {node: h for node, h in tree.get_nodes(list(seen)).items()}
    assert CompactRange(edge.size, edge.hashes) == edge
    assert edge.copy() == edge
    assert edge.copy() is not edge


def test_compact_range_validation() -> None:
    with pytest.raises(ValueError, match="edge hashes"):
        CompactRange(3, [bytes(32)])
    with pytest.raises(ValueError, match="32 bytes"):
        CompactRange(1, [bytes(31)])
    with pytest.raises(ValueError, match="32 bytes"):
        CompactRange.empty().append(b"short")
    with pytest.raises(TypeError):
        CompactRange(1.0, [bytes(32)])  # type: ignore[arg-type]


def test_memory_tree_refuses_sizes_it_does_not_have(small: MemoryTree) -> None:
    with pytest.raises(ValueError, match="only"):
        small.root(SMALL + 1)
    with pytest.raises(IndexError):
        small.leaf_hash(SMALL)
    assert small.root(0) == EMPTY_ROOT


# --- exhaustive: every n <= 64 -------------------------------------------------------------


@pytest.mark.parametrize("n", range(1, SMALL + 1))
def test_every_inclusion_proof_verifies_and_every_mutation_fails(small: MemoryTree, n: int) -> None:
    root = small.root(n)
    all_bits = n <= 12
    for i in range(n):
        leaf = small.leaf_hash(i)
        proof = small.inclusion_proof(i, n)
        verify_inclusion(leaf_hash=leaf, index=i, size=n, proof=proof, root=root)
        for k, element in enumerate(proof):
            bits = range(256) if all_bits else [(n * 31 + i * 7 + k * 13) % 256]
            for bit in bits:
                bad = [*proof[:k], _flip(element, bit), *proof[k + 1 :]]
                assert _fails(
                    verify_inclusion, leaf_hash=leaf, index=i, size=n, proof=bad, root=root
                )
            removed = proof[:k] + proof[k + 1 :]
            assert _fails(
                verify_inclusion, leaf_hash=leaf, index=i, size=n, proof=removed, root=root
            )
        for k in range(len(proof) + 1):
            inserted = [*proof[:k], root, *proof[k:]]
            assert _fails(
                verify_inclusion, leaf_hash=leaf, index=i, size=n, proof=inserted, root=root
            )
        for other in (i - 1, i + 1):
            assert _fails(
                verify_inclusion, leaf_hash=leaf, index=other, size=n, proof=proof, root=root
            )
        for size in (n - 1, n + 1):
            if size > 0 and size <= SMALL:
                other_root = small.root(size)
                assert _fails(
                    verify_inclusion,
                    leaf_hash=leaf,
                    index=i,
                    size=size,
                    proof=proof,
                    root=other_root,
                )
        assert _fails(
            verify_inclusion, leaf_hash=_flip(leaf, 0), index=i, size=n, proof=proof, root=root
        )


@pytest.mark.parametrize("n", range(1, SMALL + 1))
def test_every_consistency_proof_verifies_and_every_mutation_fails(
    small: MemoryTree, n: int
) -> None:
    root2 = small.root(n)
    all_bits = n <= 12
    for m in range(n + 1):
        root1 = small.root(m)
        proof = small.consistency_proof(m, n)
        verify_consistency(size1=m, size2=n, proof=proof, root1=root1, root2=root2)
        args = {"size1": m, "size2": n, "root1": root1, "root2": root2}
        for k, element in enumerate(proof):
            bits = range(256) if all_bits else [(n * 31 + m * 7 + k * 13) % 256]
            for bit in bits:
                bad = [*proof[:k], _flip(element, bit), *proof[k + 1 :]]
                assert _fails(verify_consistency, proof=bad, **args)
            assert _fails(verify_consistency, proof=proof[:k] + proof[k + 1 :], **args)
        for k in range(len(proof) + 1):
            assert _fails(verify_consistency, proof=[*proof[:k], root2, *proof[k:]], **args)
        if 0 < m < n:
            assert _fails(verify_consistency, proof=proof, **{**args, "root1": _flip(root1, 3)})
            assert _fails(verify_consistency, proof=proof, **{**args, "root2": _flip(root2, 3)})
            for size1 in (m - 1, m + 1):
                moved = {**args, "size1": size1, "root1": small.root(size1)}
                assert _fails(verify_consistency, proof=proof, **moved)
            if n < SMALL:
                moved = {**args, "size2": n + 1, "root2": small.root(n + 1)}
                assert _fails(verify_consistency, proof=proof, **moved)


# --- properties on larger trees ------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=1, max_value=BIG), st.data())
def test_any_prefix_is_consistent_with_the_final_root(n: int, data: st.DataObject) -> None:
    m = data.draw(st.integers(min_value=0, max_value=n))
    proof = BIG_TREE.consistency_proof(m, n)
    verify_consistency(
        size1=m, size2=n, proof=proof, root1=BIG_TREE.root(m), root2=BIG_TREE.root(n)
    )


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=2, max_value=BIG), st.data())
def test_any_flipped_bit_fails(n: int, data: st.DataObject) -> None:
    i = data.draw(st.integers(min_value=0, max_value=n - 1))
    m = data.draw(st.integers(min_value=1, max_value=n - 1))
    bit = data.draw(st.integers(min_value=0, max_value=255))
    root = BIG_TREE.root(n)
    proof = BIG_TREE.inclusion_proof(i, n)
    leaf = BIG_TREE.leaf_hash(i)
    verify_inclusion(leaf_hash=leaf, index=i, size=n, proof=proof, root=root)
    k = data.draw(st.integers(min_value=0, max_value=len(proof) - 1))
    bad = [*proof[:k], _flip(proof[k], bit), *proof[k + 1 :]]
    assert _fails(verify_inclusion, leaf_hash=leaf, index=i, size=n, proof=bad, root=root)
    assert _fails(
        verify_inclusion, leaf_hash=leaf, index=i, size=n, proof=proof, root=_flip(root, bit)
    )
    cproof = BIG_TREE.consistency_proof(m, n)
    c = data.draw(st.integers(min_value=0, max_value=len(cproof) - 1))
    cbad = [*cproof[:c], _flip(cproof[c], bit), *cproof[c + 1 :]]
    assert _fails(
        verify_consistency, size1=m, size2=n, proof=cbad, root1=BIG_TREE.root(m), root2=root
    )


@settings(max_examples=25, deadline=None)
@given(st.lists(st.binary(max_size=40), min_size=1, max_size=300))
def test_roots_match_the_definition(leaves: list[bytes]) -> None:
    tree = MemoryTree()
    for leaf in leaves:
        tree.append(leaf)
    assert tree.root() == _naive_mth(leaves)


# --- differential oracle: pymerkle (GPL, test-only) ----------------------------------------


@pytest.mark.parametrize("seed", range(12))
def test_roots_and_audit_paths_match_pymerkle(seed: int) -> None:
    from pymerkle import InmemoryTree

    rng = random.Random(seed)
    entries = [rng.randbytes(rng.randrange(0, 64)) for _ in range(rng.randrange(1, 400))]
    oracle = InmemoryTree(algorithm="sha256")
    ours = MemoryTree()
    for entry in entries:
        oracle.append_entry(entry)
        ours.append(entry)
    n = len(entries)
    for size in sorted({1, n, rng.randrange(1, n + 1), rng.randrange(1, n + 1)}):
        assert oracle.get_root(size) == ours.root(size)
        index = rng.randrange(size)
        path = oracle.prove_inclusion(index + 1, size).serialize()["path"]
        assert [bytes.fromhex(h) for h in path[1:]] == ours.inclusion_proof(index, size)
