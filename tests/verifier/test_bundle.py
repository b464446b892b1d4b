"""Evidence bundles: what verifies, what fails, and what is malformed."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from carecover.verifier.bundle import (
    MAX_BUNDLE_SIZE,
    MISMATCH,
    NOT_DISCLOSED,
    VERIFIED,
    BundleError,
    BundleReport,
    verify_bundle,
)
from tests.verifier.factory import Log, b64, dump, private_key, sample_log, vkey


@pytest.fixture
def log() -> Log:
    return sample_log()


@pytest.fixture
def bundle(log: Log) -> dict[str, Any]:
    return log.bundle([0, 4, 11])


def _verify(bundle: dict[str, Any], key: str | None, **kwargs: Any) -> BundleReport:
    return verify_bundle(dump(bundle), trusted_key=key, **kwargs)


def _error(data: bytes, key: str | None = None) -> BundleError:
    with pytest.raises(BundleError) as caught:
        verify_bundle(data, trusted_key=key)
    return caught.value


def _flip_b64(value: str, byte: int = 0) -> str:
    raw = bytearray(base64.b64decode(value))
    raw[byte] ^= 0x01
    return b64(bytes(raw))


def test_a_valid_bundle_verifies(log: Log, bundle: dict[str, Any]) -> None:
    report = _verify(bundle, log.vkey, origin=log.origin)
    assert report.ok
    assert report.key_pinned
    assert report.checkpoint is not None
    assert report.checkpoint.size == log.tree.size
    assert report.checkpoint.root == log.tree.root()
    assert [(e.index, e.type, e.id) for e in report.entries] == [
        (0, "claim", "CLAIM-0000"),
        (4, "part", "PART-0004"),
        (11, "part", "PART-0011"),
    ]
    assert all(e.included and e.commitment == VERIFIED and e.ok for e in report.entries)
    assert report.errors == ()
    assert report.warnings == ()
    data = report.to_dict()
    assert data["ok"] is True
    assert data["log"]["key_pinned"] is True
    assert json.loads(json.dumps(data)) == data


def test_undisclosed_records_are_reported_not_failed(log: Log) -> None:
    report = _verify(log.bundle([1, 2], disclose=False), log.vkey)
    assert report.ok
    assert {e.commitment for e in report.entries} == {NOT_DISCLOSED}
    assert all(e.reason == "commitment not disclosed" for e in report.entries)


def test_without_a_trusted_key_the_report_warns(log: Log, bundle: dict[str, Any]) -> None:
    report = _verify(bundle, None)
    assert report.ok
    assert report.key_pinned is False
    assert any("no trusted key" in warning for warning in report.warnings)
    assert report.to_dict()["log"]["key_pinned"] is False


def test_a_tampered_leaf_is_not_included(log: Log, bundle: dict[str, Any]) -> None:
    record = log.records[4]
    leaf = record.leaf.replace(b"PART-0004", b"PART-0005")
    bundle["entries"][1]["leaf"] = b64(leaf)
    report = _verify(bundle, log.vkey)
    assert not report.ok
    entry = report.entries[1]
    assert entry.id == "PART-0005"
    assert not entry.included
    assert not entry.ok
    assert entry.reason is not None
    assert "not included" in entry.reason
    assert report.entries[0].ok
    assert report.entries[2].ok


def test_a_tampered_proof_is_not_included(log: Log, bundle: dict[str, Any]) -> None:
    proof = bundle["entries"][2]["proof"]
    proof[-1] = _flip_b64(proof[-1], 31)
    report = _verify(bundle, log.vkey)
    assert not report.ok
    assert not report.entries[2].included
    assert "does not lead to the root" in (report.entries[2].reason or "")


def test_a_short_proof_element_fails_the_entry(log: Log, bundle: dict[str, Any]) -> None:
    bundle["entries"][0]["proof"][0] = b64(bytes(31))
    report = _verify(bundle, log.vkey)
    assert not report.entries[0].included
    assert "31 bytes" in (report.entries[0].reason or "")


def test_tampered_content_is_a_commitment_mismatch(log: Log, bundle: dict[str, Any]) -> None:
    bundle["entries"][0]["record"]["content"] = b64(b'{"id":"CLAIM-0000","n":99}')
    report = _verify(bundle, log.vkey)
    entry = report.entries[0]
    assert entry.included
    assert entry.commitment == MISMATCH
    assert not entry.ok
    assert "commitment mismatch" in (entry.reason or "")
    assert not report.ok


def test_a_swapped_salt_is_a_commitment_mismatch(log: Log, bundle: dict[str, Any]) -> None:
    first, second = bundle["entries"][0]["record"], bundle["entries"][1]["record"]
    first["salt"], second["salt"] = second["salt"], first["salt"]
    report = _verify(bundle, log.vkey)
    assert [e.commitment for e in report.entries] == [MISMATCH, MISMATCH, VERIFIED]


def test_half_disclosed_records_are_malformed(bundle: dict[str, Any]) -> None:
    bundle["entries"][0]["record"]["salt"] = None
    assert _error(dump(bundle)).code == "bundle.record"


def test_a_wrong_trusted_key_fails(bundle: dict[str, Any]) -> None:
    report = _verify(bundle, vkey(private_key("someone else")))
    assert not report.ok
    assert report.checkpoint is None
    assert any("no signature from a trusted key" in error for error in report.errors)
    assert any("different log key" in warning for warning in report.warnings)
    assert all(not e.included for e in report.entries)


def test_a_bundle_naming_its_own_forged_key_passes_only_unpinned(log: Log) -> None:
    forger = Log(key=private_key("forger"))
    for record in log.records:
        forger.add(record.type, record.id, record.content)
    forged = forger.bundle([0])
    assert _verify(forged, None).ok
    assert not _verify(forged, log.vkey).ok


def test_a_checkpoint_from_another_origin_fails(log: Log, bundle: dict[str, Any]) -> None:
    bundle["checkpoint"] = log.checkpoint(origin="elsewhere.example/log")
    report = _verify(bundle, log.vkey)
    assert not report.ok
    assert any("elsewhere.example/log" in error for error in report.errors)
    pinned = _verify(log.bundle([0]), log.vkey, origin="elsewhere.example/log")
    assert not pinned.ok


def test_the_bundle_cannot_claim_a_different_origin(log: Log, bundle: dict[str, Any]) -> None:
    bundle["log"]["origin"] = "elsewhere.example/log"
    report = _verify(bundle, log.vkey, origin=log.origin)
    assert not report.ok
    assert any("claims log" in error for error in report.errors)


def test_a_missing_checkpoint_is_an_error(bundle: dict[str, Any]) -> None:
    del bundle["checkpoint"]
    assert _error(dump(bundle)).code == "bundle.checkpoint"
    bundle["checkpoint"] = None
    assert _error(dump(bundle)).code == "bundle.checkpoint"


def test_an_older_checkpoint_does_not_cover_later_entries(log: Log) -> None:
    bundle = log.bundle([11])
    bundle["checkpoint"] = log.checkpoint(8)
    report = _verify(bundle, log.vkey)
    assert not report.entries[0].included
    assert "not below tree size 8" in (report.entries[0].reason or "")


def test_proofs_are_checked_against_the_signed_size_and_root(log: Log) -> None:
    bundle = log.bundle([3])
    bundle["checkpoint"] = log.checkpoint(8)  # the proof is for size 12: refused at size 8
    assert not _verify(bundle, log.vkey).entries[0].included
    bundle["entries"][0] = log.entry(3, size=8)
    assert _verify(bundle, log.vkey).ok


def test_a_tampered_checkpoint_fails(log: Log, bundle: dict[str, Any]) -> None:
    bundle["checkpoint"] = bundle["checkpoint"].replace(f"\n{log.tree.size}\n", "\n13\n")
    report = _verify(bundle, log.vkey)
    assert not report.ok
    assert any("fails" in error for error in report.errors)


def test_an_invalid_leaf_fails_its_entry(log: Log, bundle: dict[str, Any]) -> None:
    bundle["entries"][0]["leaf"] = b64(b'{"type":"claim","id":"X","commitment":"md5:00"}')
    entry = _verify(bundle, log.vkey).entries[0]
    assert not entry.ok
    assert "not a valid evidence envelope" in (entry.reason or "")
    bundle["entries"][0]["leaf"] = b64(b'{"a":1,"a":2}')
    assert "duplicate key" in (_verify(bundle, log.vkey).entries[0].reason or "")


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b'{"format":"carecover-evidence-bundle/1","format":"x"}', "bundle.json"),
        (b'{"format":"carecover-evidence-bundle/1","n":NaN}', "bundle.json"),
        (b'{"format":"carecover-evidence-bundle/1","n":-Infinity}', "bundle.json"),
        (b'{"format":"carecover-evidence-bundle/1","n":1e400}', "bundle.json"),
        (b'{"format":"carecover-evidence-bundle/1","n":' + b"1" * 5000 + b"}", "bundle.json"),
        (b'{"x":' + b"[" * 65 + b"]" * 65 + b"}", "bundle.json"),
        (b"[" * 100_000 + b"]" * 100_000, "bundle.json"),
        (b"\xff\xfe{}", "bundle.json"),
        (b"\xef\xbb\xbf{}", "bundle.json"),
        (b'{"s":"\\ud800"}', "bundle.json"),
        (b"{", "bundle.json"),
        (b"[]", "bundle.structure"),
        (b'{"format":"carecover-evidence-bundle/2"}', "bundle.format"),
    ],
)
def test_malformed_json_is_refused(data: bytes, code: str) -> None:
    error = _error(data)
    assert error.code == code
    assert str(error)


def test_duplicate_keys_deep_in_a_valid_bundle(bundle: dict[str, Any], log: Log) -> None:
    text = dump(bundle).decode()
    text = text.replace('"index": 0,', '"index": 0, "index": 0,', 1)
    assert _error(text.encode(), log.vkey).code == "bundle.json"


def test_oversize_bundles_are_refused() -> None:
    assert _error(b" " * (MAX_BUNDLE_SIZE + 1)).code == "bundle.too_large"


@pytest.mark.parametrize(
    ("mutate", "code"),
    [
        (lambda b: b.pop("entries"), "bundle.structure"),
        (lambda b: b.__setitem__("entries", {}), "bundle.structure"),
        (lambda b: b["entries"][0].__setitem__("index", -1), "bundle.structure"),
        (lambda b: b["entries"][0].__setitem__("index", True), "bundle.structure"),
        (lambda b: b["entries"][0].__setitem__("index", 1.0), "bundle.structure"),
        (lambda b: b["entries"][0].__setitem__("leaf", "not base64"), "bundle.base64"),
        (lambda b: b["entries"][0].__setitem__("proof", "x"), "bundle.structure"),
        (lambda b: b["entries"][0]["proof"].__setitem__(0, 7), "bundle.base64"),
        (lambda b: b["entries"][0].pop("record"), "bundle.structure"),
        (lambda b: b["subject"].__setitem__("id", ""), "bundle.structure"),
        (lambda b: b["log"].__setitem__("public_key", "nonsense"), "bundle.public_key"),
        (lambda b: b.__setitem__("generated_at", "yesterday"), "bundle.generated_at"),
        (
            lambda b: b.__setitem__("generated_at", "2025-01-02T03:04:05+08:00"),
            "bundle.generated_at",
        ),
    ],
)
def test_malformed_bundles_are_refused(bundle: dict[str, Any], mutate: Any, code: str) -> None:
    mutate(bundle)
    assert _error(dump(bundle)).code == code


def test_a_bundle_without_entries_proves_nothing(log: Log, bundle: dict[str, Any]) -> None:
    bundle["entries"] = []
    report = _verify(bundle, log.vkey)
    assert report.checkpoint is not None
    assert not report.ok
    assert report.errors == ("the bundle has no entries, so it proves nothing",)


def test_a_malformed_trusted_key_is_refused(bundle: dict[str, Any]) -> None:
    assert _error(dump(bundle), "not+a+key").code == "bundle.trusted_key"


def test_unknown_fields_are_ignored_with_a_warning(log: Log, bundle: dict[str, Any]) -> None:
    bundle["extra"] = {"anything": 1}
    bundle["entries"][0]["note"] = "x"
    report = _verify(bundle, log.vkey)
    assert report.ok
    assert any("'extra'" in w for w in report.warnings)
    assert any("'note'" in w for w in report.warnings)


def test_witness_cosignatures_do_not_disturb_verification(log: Log, bundle: dict[str, Any]) -> None:
    from carecover.verifier.note import add_signature

    bundle["checkpoint"] = add_signature(
        bundle["checkpoint"], "witness.example/w", private_key("w")
    )
    assert _verify(bundle, log.vkey).ok
