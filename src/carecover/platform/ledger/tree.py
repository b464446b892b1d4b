"""Tree algorithms for a Merkle log stored as perfect subtrees (RFC 9162 hashing).

A node is ``(level, index)``: the root of the perfect subtree over leaves
``[index * 2**level, (index + 1) * 2**level)``; level 0 nodes are leaf hashes. A log that
stores every perfect node it completes can answer any root, audit path or consistency proof
from O(log n) stored hashes: each proof element is the Merkle tree hash (MTH) of a leaf range,
and every such range is a handful of perfect subtrees folded right to left.

Pure functions, no database: the storage layer passes a ``get_nodes`` callback.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from carecover.verifier.merkle import (
    EMPTY_ROOT,
    HASH_SIZE,
    MAX_SIZE,
    leaf_hash,
    node_hash,
)

NodeId = tuple[int, int]
Range = tuple[int, int]
GetNodes = Callable[[Sequence[NodeId]], Mapping[NodeId, bytes]]


def _check_count(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an integer")
    if not 0 <= value <= MAX_SIZE:
        raise ValueError(f"{name} {value} is outside 0..2^63")
    return value


def _check_hash(value: object) -> bytes:
    if not isinstance(value, bytes) or len(value) != HASH_SIZE:
        raise ValueError(f"a node hash is {HASH_SIZE} bytes")
    return value


def decompose(start: int, end: int) -> list[NodeId]:
    """The aligned perfect subtrees covering leaves ``[start, end)``, left to right."""
    start = _check_count("start", start)
    end = _check_count("end", end)
    if start > end:
        raise ValueError(f"range start {start} is after its end {end}")
    nodes: list[NodeId] = []
    while start < end:
        level = (end - start).bit_length() - 1
        if start:
            level = min(level, (start & -start).bit_length() - 1)
        nodes.append((level, start >> level))
        start += 1 << level
    return nodes


def fold(hashes: Sequence[bytes]) -> bytes:
    """Right-fold perfect-subtree roots into the MTH of the range they cover.

    Valid when the subtrees shrink from left to right, as for ``decompose(0, n)`` and for
    every range an RFC 9162 proof uses.
    """
    if not hashes:
        raise ValueError("cannot fold an empty list of hashes")
    acc = hashes[-1]
    for h in reversed(hashes[:-1]):
        acc = node_hash(h, acc)
    return acc


def _largest_power_of_two_below(n: int) -> int:
    return 1 << ((n - 1).bit_length() - 1)


def inclusion_ranges(index: int, size: int) -> list[Range]:
    """The leaf ranges whose MTHs form the audit path of ``index`` (RFC 9162 §2.1.3.1)."""
    index = _check_count("index", index)
    size = _check_count("size", size)
    if index >= size:
        raise ValueError(f"leaf index {index} is not below tree size {size}")
    ranges: list[Range] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = _largest_power_of_two_below(hi - lo)
        if index - lo < k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo += k
    ranges.reverse()
    return ranges


def consistency_ranges(size1: int, size2: int) -> list[Range]:
    """The leaf ranges whose MTHs form the consistency proof (RFC 9162 §2.1.4.1).

    Empty when ``size1`` is 0 or equals ``size2``.
    """
    size1 = _check_count("size1", size1)
    size2 = _check_count("size2", size2)
    if size1 > size2:
        raise ValueError(f"size1 {size1} is larger than size2 {size2}")
    if size1 == 0 or size1 == size2:
        return []
    ranges: list[Range] = []
    lo, hi, complete = 0, size2, True
    while size1 != hi:
        k = _largest_power_of_two_below(hi - lo)
        if size1 - lo <= k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo += k
            complete = False
    if not complete:
        ranges.append((lo, hi))
    ranges.reverse()
    return ranges


def resolve(ranges: Sequence[Range], get_nodes: GetNodes) -> list[bytes]:
    """The MTH of each range, fetching every node needed in one ``get_nodes`` call."""
    plans = [decompose(start, end) for start, end in ranges]
    wanted: dict[NodeId, None] = {}
    for plan in plans:
        for node in plan:
            wanted.setdefault(node)
    found = get_nodes(list(wanted)) if wanted else {}
    missing = [node for node in wanted if node not in found]
    if missing:
        raise LookupError(f"the store lacks nodes {missing[:5]}")
    return [fold([found[node] for node in plan]) for plan in plans]


class CompactRange:
    """The right edge of a tree of ``size`` leaves: one hash per set bit, largest first."""

    __slots__ = ("_hashes", "_size")

    def __init__(self, size: int, hashes: Sequence[bytes]) -> None:
        size = _check_count("size", size)
        if len(hashes) != size.bit_count():
            raise ValueError(f"a tree of {size} leaves has {size.bit_count()} edge hashes")
        self._size = size
        self._hashes = [_check_hash(h) for h in hashes]

    @classmethod
    def empty(cls) -> CompactRange:
        return cls(0, [])

    @property
    def size(self) -> int:
        return self._size

    @property
    def hashes(self) -> tuple[bytes, ...]:
        return tuple(self._hashes)

    def nodes(self) -> list[NodeId]:
        """The perfect subtrees the edge hashes are the roots of (``decompose(0, size)``)."""
        return decompose(0, self._size)

    def append(self, leaf_hash: bytes) -> list[tuple[NodeId, bytes]]:
        """Add one leaf hash; return the perfect nodes of level >= 1 it completes."""
        carry = _check_hash(leaf_hash)
        if self._size >= MAX_SIZE:
            raise ValueError("the tree is full")
        position, level = self._size, 0
        completed: list[tuple[NodeId, bytes]] = []
        while position >> level & 1:
            carry = node_hash(self._hashes.pop(), carry)
            level += 1
            completed.append(((level, position >> level), carry))
        self._hashes.append(carry)
        self._size += 1
        return completed

    def root(self) -> bytes:
        return fold(self._hashes) if self._hashes else EMPTY_ROOT

    def copy(self) -> CompactRange:
        return CompactRange(self._size, self._hashes)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CompactRange):
            return NotImplemented
        return self._size == other._size and self._hashes == other._hashes

    def __hash__(self) -> int:
        return hash((self._size, tuple(self._hashes)))

    def __repr__(self) -> str:
        return f"CompactRange(size={self._size}, hashes={len(self._hashes)})"


class MemoryTree:
    """An in-memory log: leaf hashes and completed perfect nodes in a dict (tests, benches)."""

    def __init__(self) -> None:
        self._nodes: dict[NodeId, bytes] = {}
        self._edge = CompactRange.empty()

    @property
    def size(self) -> int:
        return self._edge.size

    def append(self, data: bytes) -> int:
        """Hash ``data`` as a leaf and append it; return its index."""
        return self.append_leaf_hash(leaf_hash(data))

    def append_leaf_hash(self, leaf: bytes) -> int:
        index = self._edge.size
        completed = self._edge.append(leaf)
        self._nodes[(0, index)] = leaf
        self._nodes.update(completed)
        return index

    def leaf_hash(self, index: int) -> bytes:
        if not 0 <= index < self.size:
            raise IndexError(f"no leaf {index} in a tree of {self.size}")
        return self._nodes[(0, index)]

    def get_nodes(self, ids: Sequence[NodeId]) -> dict[NodeId, bytes]:
        return {node: self._nodes[node] for node in ids if node in self._nodes}

    def _size_or_current(self, size: int | None) -> int:
        if size is None:
            return self.size
        size = _check_count("size", size)
        if size > self.size:
            raise ValueError(f"the tree has only {self.size} leaves, not {size}")
        return size

    def root(self, size: int | None = None) -> bytes:
        n = self._size_or_current(size)
        if n == 0:
            return EMPTY_ROOT
        return resolve([(0, n)], self.get_nodes)[0]

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        return resolve(inclusion_ranges(index, self._size_or_current(size)), self.get_nodes)

    def consistency_proof(self, size1: int, size2: int | None = None) -> list[bytes]:
        n = self._size_or_current(size2)
        return resolve(consistency_ranges(size1, n), self.get_nodes)
