"""Evidence-log benchmarks: durable appends with group commit, proofs at 1M entries.

Baselines measured in the same run: pymerkle 7 (GPL-3.0, used here only as a yardstick) and the
raw SHA-256 node-hash rate of this machine.
"""

from __future__ import annotations

import hashlib
import os
import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, text, update

from carecover.evidence import service
from carecover.evidence.jobs import integrate_pending
from carecover.evidence.models import (
    LedgerCheckpoint,
    LedgerLeaf,
    LedgerNode,
    LedgerState,
    node_key,
)
from carecover.evidence.service import log
from carecover.platform.clock import utc_now
from carecover.platform.config import Settings
from carecover.platform.db import migrate
from carecover.platform.db.session import Database
from carecover.platform.ledger.tree import CompactRange, MemoryTree
from carecover.verifier.merkle import leaf_hash, verify_consistency, verify_inclusion

Result = dict[str, Any]
ResultFn = Callable[[str, float, str, str, float, str], Result]
TRILLIAN_PER_TREE = 60.0  # appends/s one Trillian user reported per tree (ledger-security.md)


def _part_event(i: int) -> dict[str, Any]:
    return {
        "eventType": "ObjectEvent",
        "action": "OBSERVE",
        "bizStep": "shipping",
        "epcList": [f"https://id.gs1.org/01/09521234543213/21/BENCH{i:011d}"],
        "eventTime": "2026-11-25T08:00:00.000Z",
    }


def appends(db: Database, settings: Settings, n: int, chunk: int = 1000) -> tuple[float, float]:
    """(end-to-end appends/s, sequencing-only appends/s) for ``n`` records.

    Records are anchored in business transactions of ``chunk`` records each (the way a batch
    of part events arrives), then sequenced ``ledger_batch_size`` per committed transaction.
    """
    start = time.perf_counter()
    for first in range(0, n, chunk):
        with db.session() as session, session.begin():
            for i in range(first, min(n, first + chunk)):
                service.anchor(
                    session,
                    kind=service.RecordKind.part_event,
                    subject_type="part",
                    subject_id=f"bench-{i}",
                    content=_part_event(i),
                    personal=False,
                )
    anchored = time.perf_counter()
    done = integrate_pending(db, settings)
    end = time.perf_counter()
    assert done == n, (done, n)
    return n / (end - start), n / (end - anchored)


def pymerkle_appends(n: int) -> float:
    from pymerkle import SqliteTree

    path = Path(tempfile.mkdtemp(prefix="pymerkle-")) / "tree.db"
    tree = SqliteTree(str(path))
    entries = [f"entry-{i}".encode() for i in range(n)]
    start = time.perf_counter()
    for first in range(0, n, 1000):
        tree.append_entries(entries[first : first + 1000])
    elapsed = time.perf_counter() - start
    tree.close()
    return n / elapsed


def raw_node_hash_rate(seconds: float = 1.0) -> float:
    left, right = os.urandom(32), os.urandom(32)
    calls, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        for _ in range(1000):
            hashlib.sha256(b"\x01" + left + right).digest()
        calls += 1000
    return calls / elapsed


def bulk_load(db: Database, size: int, signer: service.LogSigner) -> bytes:
    """Fill the log's tables with ``size`` leaves using the sequencer's own tree code."""
    edge = CompactRange.empty()
    now = utc_now()
    batch = 20_000
    with db.session() as session, session.begin():
        for first in range(0, size, batch):
            leaves, nodes = [], []
            for i in range(first, min(size, first + batch)):
                body = b'{"bench":%d}' % i
                digest = leaf_hash(body)
                leaves.append({"idx": i, "leaf_hash": digest, "body": body, "integrated_at": now})
                nodes.extend(
                    {"id": node_key(lvl, idx), "hash": h} for (lvl, idx), h in edge.append(digest)
                )
            session.execute(insert(LedgerLeaf), leaves)
            if nodes:
                session.execute(insert(LedgerNode), nodes)
        root = edge.root()
        session.execute(
            insert(LedgerCheckpoint),
            [{"size": size, "root": root, "note": signer.sign(size, root), "created_at": now}],
        )
        session.execute(
            update(LedgerState)
            .where(LedgerState.id == 1)
            .values(size=size, root=root, right_edge=b"".join(edge.hashes))
        )
    return root


def per_call_us(func: Callable[[], object], calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        func()
    return (time.perf_counter() - start) / calls * 1e6


def proofs_at(db: Database, size: int, root: bytes, calls: int = 2000) -> dict[str, float]:
    rng = random.Random(2026)
    indices = [rng.randrange(size) for _ in range(calls)]
    with db.session() as session:
        hashes: dict[int, bytes] = {
            int(idx): bytes(value)
            for idx, value in session.execute(
                select(LedgerLeaf.idx, LedgerLeaf.leaf_hash).where(LedgerLeaf.idx.in_(indices))
            )
        }
        it = iter(indices)
        gen = per_call_us(lambda: log.inclusion_proof(session, next(it), size), calls)
        proofs = {i: log.inclusion_proof(session, i, size) for i in indices[:200]}
        pairs = list(proofs.items())
        k = iter(range(10**9))

        def verify_one() -> None:
            i, proof = pairs[next(k) % len(pairs)]
            verify_inclusion(leaf_hash=hashes[i], index=i, size=size, proof=proof, root=root)

        ver = per_call_us(verify_one, calls)
        older = size - 12_345
        cons = per_call_us(lambda: log.consistency_proof(session, older, size), 200)
    return {"inclusion_us": gen, "verify_us": ver, "consistency_us": cons}


def pymerkle_proofs_at(size: int, calls: int = 300) -> dict[str, float]:
    from pymerkle import SqliteTree
    from pymerkle import verify_inclusion as pm_verify

    path = Path(tempfile.mkdtemp(prefix="pymerkle-")) / "tree.db"
    tree = SqliteTree(str(path))
    entries = [b'{"bench":%d}' % i for i in range(size)]
    for first in range(0, size, 100_000):
        tree.append_entries(entries[first : first + 100_000])
    rng = random.Random(2026)
    indices = [rng.randrange(1, size + 1) for _ in range(calls)]
    it = iter(indices)
    gen = per_call_us(lambda: tree.prove_inclusion(next(it), size), calls)
    root = tree.get_root(size)
    pairs = [(i, tree.prove_inclusion(i, size)) for i in indices[:100]]
    k = iter(range(10**9))

    def verify_one() -> None:
        i, proof = pairs[next(k) % len(pairs)]
        pm_verify(tree.get_leaf(i), root, proof)

    ver = per_call_us(verify_one, calls)
    tree.close()
    return {"inclusion_us": gen, "verify_us": ver}


def _fresh_sqlite() -> str:
    path = Path(tempfile.mkdtemp(prefix="cc-ledger-")) / "ledger.db"
    return f"sqlite:///{path}"


def bench_ledger(
    result: ResultFn,
    settings: Settings,
    pg_url: str | None,
    fresh_pg: Callable[[str, str], str],
    *,
    appends_n: int,
    proof_size: int,
) -> list[Result]:
    out: list[Result] = []
    node_rate = raw_node_hash_rate()
    pm_rate = pymerkle_appends(appends_n)
    target = f"≥ 10,000/s (≥ 150× the ~{TRILLIAN_PER_TREE:.0f}/s per Trillian tree)"
    backends = [("sqlite", _fresh_sqlite())]
    if pg_url is not None:
        backends.append(("postgres", fresh_pg(pg_url, "cc_bench_ledger")))
    for name, url in backends:
        migrate.upgrade(url)
        db = Database(url)
        end_to_end, sequencing = appends(db, settings, appends_n)
        db.dispose()
        out.append(
            result(
                f"ledger_durable_appends_{name}",
                sequencing,
                "appends/s",
                "pymerkle 7 SqliteTree batch append",
                pm_rate,
                target + "; leaves + subtree nodes + a signed checkpoint per committed batch",
            )
        )
        out.append(
            result(
                f"ledger_anchor_then_sequence_{name}",
                end_to_end,
                "records/s",
                "pymerkle 7 SqliteTree batch append",
                pm_rate,
                "no target: evidence record (canonical JSON, salt, commitment) written through "
                "the ORM in 1,000-record business transactions, then sequenced",
            )
        )
    memory = MemoryTree()
    bodies = [b"x%d" % i for i in range(200_000)]
    start = time.perf_counter()
    for body in bodies:
        memory.append(body)
    mem_rate = len(bodies) / (time.perf_counter() - start)
    out.append(
        result(
            "ledger_tree_append_in_memory",
            mem_rate,
            "appends/s",
            "raw SHA-256 node hashes",
            node_rate,
            "the tree code's own ceiling (≈ 2 hashes per append)",
        )
    )
    url = _fresh_sqlite()
    migrate.upgrade(url)
    db = Database(url)
    signer = service.get_signer()
    root = bulk_load(db, proof_size, signer)
    ours = proofs_at(db, proof_size, root)
    with db.session() as session:  # the 1M-entry log is itself consistent with a prefix
        older = proof_size // 3
        old_root = bulk_prefix_root(session, older)
        verify_consistency(
            size1=older,
            size2=proof_size,
            proof=log.consistency_proof(session, older, proof_size),
            root1=old_root,
            root2=root,
        )
    db.dispose()
    theirs = pymerkle_proofs_at(proof_size)
    label = f"{proof_size:,} entries"
    out.append(
        result(
            "ledger_inclusion_proof_generation",
            ours["inclusion_us"],
            "µs",
            "pymerkle 7 SqliteTree prove_inclusion",
            theirs["inclusion_us"],
            f"≤ 1,000 µs at {label} (SQLite, from stored nodes)",
        )
    )
    out.append(
        result(
            "ledger_inclusion_proof_verification",
            ours["verify_us"],
            "µs",
            "pymerkle 7 verify_inclusion",
            theirs["verify_us"],
            f"≤ 1,000 µs at {label}",
        )
    )
    out.append(
        result(
            "ledger_consistency_proof_generation",
            ours["consistency_us"],
            "µs",
            "raw SHA-256 node hash",
            1e6 / node_rate,
            f"≤ 1,000 µs at {label}",
        )
    )
    return out


def bulk_prefix_root(session: Any, size: int) -> bytes:
    edge = CompactRange.empty()
    for (digest,) in session.execute(
        text("SELECT leaf_hash FROM ledger_leaves WHERE idx < :n ORDER BY idx"), {"n": size}
    ):
        edge.append(digest)
    return edge.root()


__all__ = ["bench_ledger"]
