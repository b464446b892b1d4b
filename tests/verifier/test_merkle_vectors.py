"""The transparency-dev/merkle JSON proof vectors (see vectors/transparency-dev-merkle)."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from carecover.verifier.merkle import ProofError, verify_consistency, verify_inclusion

VECTORS = Path(__file__).parent / "vectors" / "transparency-dev-merkle"
INCLUSION = sorted((VECTORS / "inclusion").glob("*/*.json"))
CONSISTENCY = sorted((VECTORS / "consistency").glob("*/*.json"))


def _case_id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _b64(value: str) -> bytes:
    return base64.b64decode(value)


def _proof(case: dict[str, Any]) -> list[bytes]:
    return [_b64(p) for p in case["proof"] or []]


def test_the_full_vector_set_is_present() -> None:
    assert len(INCLUSION) == 82
    assert len(CONSISTENCY) == 84
    assert (VECTORS / "LICENSE").read_text().lstrip().startswith("Apache License")
    for path in INCLUSION + CONSISTENCY:
        assert "@" not in path.name
        assert "leafIndex" not in path.read_text()


@pytest.mark.parametrize("path", INCLUSION, ids=_case_id)
def test_inclusion_vector(path: Path) -> None:
    case = _load(path)

    def check() -> None:
        verify_inclusion(
            leaf_hash=_b64(case["leafHash"]),
            index=case["leafIdx"],
            size=case["treeSize"],
            proof=_proof(case),
            root=_b64(case["root"]),
        )

    if case["wantErr"]:
        with pytest.raises(ProofError):
            check()
    else:
        check()


@pytest.mark.parametrize("path", CONSISTENCY, ids=_case_id)
def test_consistency_vector(path: Path) -> None:
    case = _load(path)

    def check() -> None:
        verify_consistency(
            size1=case["size1"],
            size2=case["size2"],
            proof=_proof(case),
            root1=_b64(case["root1"]),
            root2=_b64(case["root2"]),
        )

    if case["wantErr"]:
        with pytest.raises(ProofError):
            check()
    else:
        check()
