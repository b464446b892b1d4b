"""The public log API and bundle downloads, including the bad inputs of ledger-security §6."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from carecover.evidence import service
from carecover.evidence.models import LedgerLeaf
from carecover.evidence.service import log
from carecover.platform.auth.roles import Role
from carecover.verifier.bundle import verify_bundle
from carecover.verifier.cli import main as verify_cli
from carecover.verifier.merkle import verify_consistency, verify_inclusion
from carecover.verifier.note import NoteVerifier, open_checkpoint
from tests.accounts.test_api import PROBLEM, sign_in
from tests.factories.accounts import make_user


def fill(session: Session, n: int, subject: str = "claim-7") -> None:
    for i in range(n):
        service.anchor(
            session,
            kind=service.RecordKind.claim_photo,
            subject_type="claim",
            subject_id=subject,
            content={"photo_sha256": f"{i:064x}"},
        )
    log.integrate(session, service.get_signer())


def b64(value: str) -> bytes:
    return base64.b64decode(value, validate=True)


def test_checkpoint_entries_and_proofs_verify_from_outside(
    client: TestClient, session: Session
) -> None:
    fill(session, 7)
    key = client.get("/api/v1/ledger/key").text.strip()
    cp = client.get("/api/v1/ledger/checkpoint").json()
    assert cp["public_key"] == key
    assert cp["size"] == 7
    opened = open_checkpoint(cp["note"], NoteVerifier.from_vkey(key), origin=cp["origin"])
    assert client.get("/api/v1/ledger/checkpoint.txt").text == cp["note"]
    entry = client.get("/api/v1/ledger/entries/3").json()
    assert entry["envelope"]["type"] == "claim_photo"
    proof = client.get("/api/v1/ledger/proofs/inclusion", params={"index": 3, "size": 7}).json()
    verify_inclusion(
        leaf_hash=b64(entry["leaf_hash"]),
        index=3,
        size=7,
        proof=[b64(p) for p in proof["proof"]],
        root=opened.root,
    )
    fill(session, 5)
    newer = client.get("/api/v1/ledger/checkpoint").json()
    consistency = client.get("/api/v1/ledger/proofs/consistency", params={"from": 7, "to": 12})
    verify_consistency(
        size1=7,
        size2=12,
        proof=[b64(p) for p in consistency.json()["proof"]],
        root1=opened.root,
        root2=b64(newer["root"]),
    )


@pytest.mark.parametrize(
    "params",
    [
        {"index": "3.0", "size": 7},
        {"index": "true", "size": 7},
        {"index": "1e3", "size": 7},
        {"index": -1, "size": 7},
        {"index": 2**64 - 1, "size": 7},
        {"index": 7, "size": 7},
        {"index": 0, "size": 0},
        {"index": 0, "size": 8},
        {"index": 0},
    ],
)
def test_bad_proof_requests_are_problems(
    client: TestClient, session: Session, params: dict[str, object]
) -> None:
    fill(session, 7)
    response = client.get("/api/v1/ledger/proofs/inclusion", params=params)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith(PROBLEM)


def test_consistency_backwards_is_a_problem(client: TestClient, session: Session) -> None:
    fill(session, 4)
    response = client.get("/api/v1/ledger/proofs/consistency", params={"from": 4, "to": 2})
    assert response.status_code == 422
    assert "reason" in response.json()


def test_missing_entry_and_empty_log(client: TestClient, session: Session) -> None:
    assert client.get("/api/v1/ledger/checkpoint").status_code == 404
    fill(session, 1)
    missing = client.get("/api/v1/ledger/entries/5")
    assert missing.status_code == 404
    assert missing.json()["code"] == "ledger_entry_not_found"


def test_bundles_disclose_content_only_to_auditors(client: TestClient, session: Session) -> None:
    fill(session, 3)
    anonymous = client.get("/api/v1/evidence/bundles/claim/claim-7")
    assert anonymous.status_code == 404  # no policy for claims yet: nothing to strangers
    make_user(session, username="auditor.bundle", role=Role.auditor)
    response = client.get(
        "/api/v1/evidence/bundles/claim/claim-7", headers=sign_in(client, "auditor.bundle")
    )
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    key = client.get("/api/v1/ledger/key").text.strip()
    report = verify_bundle(response.content, trusted_key=key)
    assert report.ok
    assert report.key_pinned
    assert [e.commitment for e in report.entries] == ["verified"] * 3
    assert json.loads(response.content)["entries"][0]["record"]["salt"] is not None


def test_status_is_for_auditors(client: TestClient, session: Session) -> None:
    fill(session, 2)
    make_user(session, username="owner.status", role=Role.owner)
    make_user(session, username="auditor.status", role=Role.auditor)
    assert client.get("/api/v1/ledger/status").status_code == 401
    denied = client.get("/api/v1/ledger/status", headers=sign_in(client, "owner.status"))
    assert denied.status_code == 403
    ok = client.get("/api/v1/ledger/status", headers=sign_in(client, "auditor.status")).json()
    assert ok["checkpoint"]["size"] == 2
    assert ok["pending"] == 0
    assert ok["last_audit"] is None
    assert session.scalar(select(func.count()).select_from(LedgerLeaf)) == 2


def test_a_kept_checkpoint_detects_rollback_and_split_view(
    client: TestClient, session: Session
) -> None:
    fill(session, 5)
    make_user(session, username="auditor.since", role=Role.auditor)
    headers = sign_in(client, "auditor.since")
    kept = client.get("/api/v1/ledger/checkpoint.txt").text
    fill(session, 4)
    key = client.get("/api/v1/ledger/key").text.strip()
    url = "/api/v1/evidence/bundles/claim/claim-7"
    grown = client.get(url, params={"since": 5}, headers=headers).content
    assert verify_bundle(grown, trusted_key=key, previous=kept).ok
    unproven = client.get(url, headers=headers).content  # no consistency proof asked for
    report = verify_bundle(unproven, trusted_key=key, previous=kept)
    assert not report.ok
    assert "no consistency proof" in report.errors[0]
    newer = client.get("/api/v1/ledger/checkpoint.txt").text
    old_bundle = json.loads(grown)
    old_bundle["checkpoint"] = kept  # a server showing an older tree to someone who saw more
    rolled = verify_bundle(json.dumps(old_bundle).encode(), trusted_key=key, previous=newer)
    assert any("rollback" in e for e in rolled.errors)
    signer = service.get_signer()
    forked = signer.sign(9, bytes(32))  # validly signed, same size, another root
    split = verify_bundle(grown, trusted_key=key, previous=forked)
    assert any("split view" in e for e in split.errors)


def test_carecover_verify_checks_a_kept_checkpoint(
    client: TestClient, session: Session, tmp_path: Path
) -> None:
    fill(session, 3)
    make_user(session, username="auditor.cli", role=Role.auditor)
    headers = sign_in(client, "auditor.cli")
    (tmp_path / "kept.txt").write_text(client.get("/api/v1/ledger/checkpoint.txt").text)
    fill(session, 2)
    url = "/api/v1/evidence/bundles/claim/claim-7"
    bundle = tmp_path / "bundle.json"
    bundle.write_bytes(client.get(url, params={"since": 3}, headers=headers).content)
    key = client.get("/api/v1/ledger/key").text.strip()
    args = [str(bundle), "--key", key, "--previous", str(tmp_path / "kept.txt")]
    assert verify_cli(args) == 0
    (tmp_path / "forked.txt").write_text(service.get_signer().sign(5, bytes(32)))
    assert verify_cli([*args[:3], "--previous", str(tmp_path / "forked.txt")]) == 1
