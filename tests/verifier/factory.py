"""Builds evidence bundles the way the server does, for verifier tests."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from carecover.platform.ledger.tree import MemoryTree
from carecover.verifier.note import Checkpoint, format_checkpoint, sign_note, vkey_for

ORIGIN = "carecover.test/evidence"


def canonical(obj: Any) -> bytes:
    """Canonical JSON for the test data used here (strings and integers only)."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def private_key(label: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(label.encode()).digest())


def vkey(key: Ed25519PrivateKey, name: str = ORIGIN) -> str:
    raw = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return vkey_for(name, raw)


@dataclass
class Record:
    type: str
    id: str
    content: bytes
    salt: bytes

    @property
    def leaf(self) -> bytes:
        commitment = hashlib.sha256(self.salt + self.content).hexdigest()
        return canonical(
            {"commitment": f"sha256:{commitment}", "id": self.id, "type": self.type, "v": 1}
        )


@dataclass
class Log:
    """A log with records, a key and a signed checkpoint at its current size."""

    key: Ed25519PrivateKey = field(default_factory=lambda: private_key("log key"))
    origin: str = ORIGIN
    tree: MemoryTree = field(default_factory=MemoryTree)
    records: list[Record] = field(default_factory=list)

    def add(self, kind: str, ident: str, content: bytes | None = None) -> int:
        body = content if content is not None else canonical({"id": ident, "n": len(self.records)})
        record = Record(kind, ident, body, hashlib.sha256(b"salt %d" % len(self.records)).digest())
        self.records.append(record)
        return self.tree.append(record.leaf)

    @property
    def vkey(self) -> str:
        return vkey(self.key, self.origin)

    def checkpoint(
        self, size: int | None = None, *, origin: str | None = None, key_name: str | None = None
    ) -> str:
        n = self.tree.size if size is None else size
        body = format_checkpoint(Checkpoint(origin or self.origin, n, self.tree.root(n)))
        return sign_note(body, key_name or self.origin, self.key)

    def entry(
        self, index: int, *, size: int | None = None, disclose: bool = True
    ) -> dict[str, Any]:
        record = self.records[index]
        return {
            "index": index,
            "leaf": b64(record.leaf),
            "proof": [b64(h) for h in self.tree.inclusion_proof(index, size)],
            "record": {
                "content": b64(record.content) if disclose else None,
                "salt": b64(record.salt) if disclose else None,
            },
        }

    def bundle(self, indices: list[int], *, disclose: bool = True) -> dict[str, Any]:
        first = self.records[indices[0]]
        return {
            "format": "carecover-evidence-bundle/1",
            "subject": {"type": first.type, "id": first.id},
            "log": {"origin": self.origin, "public_key": self.vkey},
            "checkpoint": self.checkpoint(),
            "entries": [self.entry(i, disclose=disclose) for i in indices],
            "generated_at": "2025-01-02T03:04:05Z",
        }


def sample_log(n: int = 12) -> Log:
    log = Log()
    for i in range(n):
        kind = "claim" if i % 3 == 0 else "part"
        log.add(kind, f"{kind.upper()}-{i:04d}")
    return log


def dump(bundle: dict[str, Any]) -> bytes:
    return json.dumps(bundle, ensure_ascii=False, indent=1).encode()
