"""Ed25519 (RFC 8032), C2SP signed notes and tlog checkpoints."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from carecover.verifier.note import (
    MAX_NOTE_SIZE,
    MAX_SIGNATURES,
    Checkpoint,
    NoteError,
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

# RFC 8032 §7.1, TEST 1-3: (secret seed, public key, message, signature), hex.
RFC8032 = [
    (
        "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        "",
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555"
        "fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    ),
    (
        "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
        "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
        "72",
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
        "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
    ),
    (
        "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
        "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
        "af82",
        "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac"
        "18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a",
    ),
]

# Interoperability vectors: the example of golang.org/x/mod/sumdb/note (BSD-3-Clause) and
# the example of the C2SP signed-note specification.
GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
GO_NOTE = (
    GO_TEXT + "\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2"
    "pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)
SPEC_VKEY = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
SPEC_NOTE = (
    "This is an example message.\n\n\u2014 example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6"
    "TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n"
)

NAME = "carecover.test/log"
TEXT = "carecover.test/log\n5\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"


def _raw(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def _verifier(key: Ed25519PrivateKey, name: str = NAME) -> NoteVerifier:
    return NoteVerifier.from_vkey(vkey_for(name, _raw(key)))


@pytest.fixture(scope="module")
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"note test key").digest())


@pytest.fixture(scope="module")
def other_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"other key").digest())


def _code(call: object, *args: object, **kwargs: object) -> str:
    with pytest.raises(NoteError) as caught:
        call(*args, **kwargs)  # type: ignore[operator]
    return caught.value.code


# --- RFC 8032 ------------------------------------------------------------------------------


@pytest.mark.parametrize(("seed", "public", "message", "signature"), RFC8032)
def test_rfc8032_ed25519_vectors(seed: str, public: str, message: str, signature: str) -> None:
    private = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(seed))
    assert _raw(private).hex() == public
    assert private.sign(bytes.fromhex(message)).hex() == signature
    Ed25519PublicKey.from_public_bytes(bytes.fromhex(public)).verify(
        bytes.fromhex(signature), bytes.fromhex(message)
    )


# --- interoperability ----------------------------------------------------------------------


def test_go_sumdb_note_example_signs_and_verifies_byte_for_byte() -> None:
    seed = base64.b64decode(GO_SKEY.split("+", 4)[4])
    assert seed[0] == 0x01
    private = Ed25519PrivateKey.from_private_bytes(seed[1:])
    assert vkey_for("PeterNeumann", _raw(private)) == GO_VKEY
    assert sign_note(GO_TEXT, "PeterNeumann", private) == GO_NOTE
    note = verify_note(GO_NOTE, [NoteVerifier.from_vkey(GO_VKEY)])
    assert note.text == GO_TEXT
    assert note.verified[0].key_id.hex() == "c74f20a3"


def test_c2sp_spec_example_verifies() -> None:
    note = verify_note(SPEC_NOTE.encode(), [NoteVerifier.from_vkey(SPEC_VKEY)])
    assert note.text == "This is an example message.\n"


# --- keys ----------------------------------------------------------------------------------


def test_key_id_and_vkey_format(key: Ed25519PrivateKey) -> None:
    raw = _raw(key)
    expected = hashlib.sha256(NAME.encode() + b"\n\x01" + raw).digest()[:4]
    assert key_id(NAME, raw) == expected
    vkey = vkey_for(NAME, raw)
    assert re.fullmatch(r"carecover\.test/log\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}", vkey)
    assert vkey.split("+")[1] == expected.hex()
    assert base64.b64decode(vkey.split("+", 2)[2]) == b"\x01" + raw
    verifier = NoteVerifier.from_vkey(vkey)
    assert (verifier.name, verifier.key_id, verifier.public_key) == (NAME, expected, raw)
    assert verifier.vkey == vkey


@pytest.mark.parametrize(
    "mangle",
    [
        lambda v: v.replace("+", "", 1),
        lambda v: v + "+x",
        lambda v: v.replace(v.split("+")[1], "0000000g"),
        lambda v: v.replace(v.split("+")[1], "00000000"),
        lambda v: v.replace(v.split("+")[1], v.split("+")[1][:7]),
        lambda v: v[:-1],
        lambda v: v[:-4] + "AAA=",
        lambda v: v.split("+", 1)[0] + " x+" + v.split("+", 1)[1],
        lambda v: "+" + v.split("+", 1)[1],
        lambda v: v.rsplit("+", 1)[0] + "+" + base64.b64encode(b"\x02" + bytes(32)).decode(),
        lambda v: v.rsplit("+", 1)[0] + "+" + base64.b64encode(b"\x01" + bytes(31)).decode(),
    ],
)
def test_from_vkey_is_strict(key: Ed25519PrivateKey, mangle: object) -> None:
    vkey = mangle(vkey_for(NAME, _raw(key)))  # type: ignore[operator]
    with pytest.raises(NoteError):
        NoteVerifier.from_vkey(vkey)


# --- signed notes --------------------------------------------------------------------------


def test_round_trip(key: Ed25519PrivateKey) -> None:
    signed = sign_note(TEXT, NAME, key)
    assert signed.startswith(TEXT + "\n\u2014 " + NAME + " ")
    assert signed.endswith("\n")
    note = verify_note(signed, [_verifier(key)])
    assert note.text == TEXT
    assert [s.name for s in note.verified] == [NAME]
    parsed = parse_note(signed)
    assert parsed.text == TEXT
    assert parsed.verified == ()
    assert len(parsed.signatures[0].signature) == 64


def test_text_may_contain_blank_lines(key: Ed25519PrivateKey) -> None:
    text = "first\n\nthird\n\n"
    assert verify_note(sign_note(text, NAME, key), [_verifier(key)]).text == text


def test_unknown_keys_are_ignored(key: Ed25519PrivateKey, other_key: Ed25519PrivateKey) -> None:
    signed = add_signature(sign_note(TEXT, "witness.example/w1", other_key), NAME, key)
    note = verify_note(signed, [_verifier(key)])
    assert [s.name for s in note.signatures] == ["witness.example/w1", NAME]
    assert [s.name for s in note.verified] == [NAME]
    # Same name, other key (so another key ID): unknown, ignored.
    impostor = add_signature(sign_note(TEXT, NAME, other_key), NAME + "x", other_key)
    assert _code(verify_note, impostor, [_verifier(key)]) == "note.unverified"


def test_bad_signature_from_a_known_key_rejects(key: Ed25519PrivateKey) -> None:
    signed = sign_note(TEXT, NAME, key)
    assert _code(verify_note, signed.replace("\n5\n", "\n6\n"), [_verifier(key)]) == (
        "note.bad_signature"
    )
    sig = parse_note(signed).signatures[0]
    forged = TEXT + "\n" + type(sig)(sig.name, sig.key_id, bytes(64)).line()
    assert _code(verify_note, forged, [_verifier(key)]) == "note.bad_signature"


def test_a_bad_known_signature_rejects_even_with_a_good_one(
    key: Ed25519PrivateKey, other_key: Ed25519PrivateKey
) -> None:
    signed = add_signature(sign_note(TEXT, NAME, key), "w", other_key)
    sig = parse_note(signed).signatures[1]
    broken = signed.replace(sig.line(), type(sig)(sig.name, sig.key_id, bytes(64)).line())
    assert _code(verify_note, broken, [_verifier(key), _verifier(other_key, "w")]) == (
        "note.bad_signature"
    )


def test_no_known_key_rejects(key: Ed25519PrivateKey, other_key: Ed25519PrivateKey) -> None:
    assert _code(verify_note, sign_note(TEXT, NAME, other_key), [_verifier(key)]) == (
        "note.unverified"
    )
    assert _code(verify_note, sign_note(TEXT, NAME, key), []) == "note.unverified"


def test_crlf_is_rejected(key: Ed25519PrivateKey) -> None:
    signed = sign_note(TEXT, NAME, key)
    assert _code(verify_note, signed.replace("\n", "\r\n"), [_verifier(key)]) == (
        "note.control_char"
    )
    assert _code(sign_note, "a\r\n", NAME, key) == "note.control_char"
    assert _code(parse_note, "a\tb\n\n" + signed.split("\n\n")[1]) == "note.control_char"


def test_ascii_hyphen_is_not_an_em_dash(key: Ed25519PrivateKey) -> None:
    signed = sign_note(TEXT, NAME, key)
    assert _code(verify_note, signed.replace("\u2014 ", "- "), [_verifier(key)]) == (
        "note.signature_line"
    )
    assert _code(verify_note, signed.replace("\u2014 ", "\u2013 "), [_verifier(key)]) == (
        "note.signature_line"
    )


def test_missing_final_newline(key: Ed25519PrivateKey) -> None:
    signed = sign_note(TEXT, NAME, key)
    assert _code(verify_note, signed[:-1], [_verifier(key)]) == "note.malformed"
    assert _code(sign_note, TEXT[:-1], NAME, key) == "note.malformed"
    assert _code(parse_note, TEXT) == "note.malformed"
    assert _code(parse_note, TEXT + "\n") == "note.malformed"


def test_the_same_key_signing_twice_is_rejected(key: Ed25519PrivateKey) -> None:
    signed = sign_note(TEXT, NAME, key)
    doubled = signed + signed.split("\n\n")[-1]
    assert _code(verify_note, doubled, [_verifier(key)]) == "note.duplicate_signature"
    assert _code(add_signature, signed, NAME, key) == "note.duplicate_signature"


def test_oversize_note_is_rejected(key: Ed25519PrivateKey) -> None:
    big = "x" * MAX_NOTE_SIZE + "\n"
    assert _code(sign_note, big, NAME, key) == "note.too_large"
    signed = sign_note(TEXT, NAME, key)
    padded = "y" * MAX_NOTE_SIZE + "\n" + signed
    assert _code(verify_note, padded.encode(), [_verifier(key)]) == "note.too_large"
    assert _code(verify_note, padded, [_verifier(key)]) == "note.too_large"


def test_at_least_sixteen_signatures_are_accepted(key: Ed25519PrivateKey) -> None:
    signed = sign_note(TEXT, NAME, key)
    for i in range(20):
        witness = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"w%d" % i).digest())
        signed = add_signature(signed, f"witness.example/w{i}", witness)
    assert len(parse_note(signed).signatures) == 21
    assert verify_note(signed, [_verifier(key)]).text == TEXT


def test_more_than_the_signature_cap_is_rejected(key: Ed25519PrivateKey) -> None:
    signed = sign_note(TEXT, NAME, key)
    line = signed.split("\n\n")[-1]
    lines = "".join(line.replace(NAME, f"w{i}") for i in range(MAX_SIGNATURES))
    assert _code(parse_note, signed + lines) == "note.too_many_signatures"


@pytest.mark.parametrize(
    "line",
    [
        "\u2014 name\n",
        "\u2014 name  AAAAAA==\n",
        "\u2014 name AAAA AAAA\n",
        "\u2014 na+me AAAAAAAA\n",
        "\u2014 name\u00a0x AAAAAAAA\n",
        "\u2014  AAAAAAAA\n",
        "\u2014 name AAA\n",
        "\u2014 name AAE=\n",
        "\u2014 name AAB=\n",
        "\u2014 name AAAA\n",
        "\u2014 name AA-_AAAA\n",
    ],
)
def test_malformed_signature_lines(line: str) -> None:
    with pytest.raises(NoteError):
        parse_note(TEXT + "\n" + line)


def test_invalid_utf8_is_rejected() -> None:
    assert _code(parse_note, b"caf\xe9\n\n\xe2\x80\x94 n AAAAAAAA\n") == "note.utf8"
    assert _code(parse_note, "\ud800\n\n\u2014 n AAAAAAAA\n") == "note.utf8"


def test_names_are_checked_when_signing(key: Ed25519PrivateKey) -> None:
    for name in ("", "a b", "a+b", "a\u2003b"):
        assert _code(sign_note, TEXT, name, key) == "note.key_name"


def test_ambiguous_verifiers_are_refused(key: Ed25519PrivateKey) -> None:
    good = _verifier(key)
    twin = object.__new__(NoteVerifier)
    object.__setattr__(twin, "name", good.name)
    object.__setattr__(twin, "key_id", good.key_id)
    object.__setattr__(twin, "public_key", bytes(32))
    assert _code(verify_note, sign_note(TEXT, NAME, key), [good, twin]) == "note.verifiers"


# --- checkpoints ---------------------------------------------------------------------------


def test_checkpoint_round_trip(key: Ed25519PrivateKey) -> None:
    cp = Checkpoint(origin=NAME, size=42, root=hashlib.sha256(b"r").digest(), extensions=("e1",))
    body = format_checkpoint(cp)
    assert body == f"{NAME}\n42\n{base64.b64encode(cp.root).decode()}\ne1\n"
    assert parse_checkpoint(body) == cp
    assert open_checkpoint(sign_note(body, NAME, key), _verifier(key), origin=NAME) == cp
    assert open_checkpoint(sign_note(body, NAME, key), _verifier(key)) == cp


def test_checkpoint_from_another_origin_is_rejected(key: Ed25519PrivateKey) -> None:
    body = format_checkpoint(Checkpoint("other.example/log", 1, bytes(32)))
    signed = sign_note(body, NAME, key)
    assert _code(open_checkpoint, signed, _verifier(key), origin=NAME) == "checkpoint.origin"


def test_checkpoint_signed_by_another_key_is_rejected(
    key: Ed25519PrivateKey, other_key: Ed25519PrivateKey
) -> None:
    signed = sign_note(format_checkpoint(Checkpoint(NAME, 1, bytes(32))), NAME, other_key)
    assert _code(open_checkpoint, signed, _verifier(key)) == "note.unverified"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (f"{NAME}\n5\n{base64.b64encode(bytes(31)).decode()}\n", "checkpoint.root"),
        (f"{NAME}\n5\n{base64.b64encode(bytes(33)).decode()}\n", "checkpoint.root"),
        (f"{NAME}\n5\nnot base64!\n", "checkpoint.root"),
        (f"{NAME}\n05\n{base64.b64encode(bytes(32)).decode()}\n", "checkpoint.size"),
        (f"{NAME}\n00\n{base64.b64encode(bytes(32)).decode()}\n", "checkpoint.size"),
        (f"{NAME}\n+5\n{base64.b64encode(bytes(32)).decode()}\n", "checkpoint.size"),
        (f"{NAME}\n-1\n{base64.b64encode(bytes(32)).decode()}\n", "checkpoint.size"),
        (f"{NAME}\n5.0\n{base64.b64encode(bytes(32)).decode()}\n", "checkpoint.size"),
        (f"{NAME}\n\u0665\n{base64.b64encode(bytes(32)).decode()}\n", "checkpoint.size"),
        (f"{NAME}\n{2**63 + 1}\n{base64.b64encode(bytes(32)).decode()}\n", "checkpoint.size"),
        (f"\n5\n{base64.b64encode(bytes(32)).decode()}\n", "checkpoint.malformed"),
        (f"{NAME}\n5\n", "checkpoint.malformed"),
        (f"{NAME}\n5\n{base64.b64encode(bytes(32)).decode()}\n\n", "checkpoint.malformed"),
        (f"{NAME}\n5\n{base64.b64encode(bytes(32)).decode()}", "checkpoint.malformed"),
    ],
)
def test_parse_checkpoint_is_strict(body: str, code: str) -> None:
    assert _code(parse_checkpoint, body) == code


def test_checkpoint_size_zero_is_fine() -> None:
    body = f"{NAME}\n0\n{base64.b64encode(hashlib.sha256(b'').digest()).decode()}\n"
    assert parse_checkpoint(body).size == 0


def test_format_checkpoint_refuses_bad_fields() -> None:
    with pytest.raises(NoteError):
        format_checkpoint(Checkpoint("", 1, bytes(32)))
    with pytest.raises(NoteError):
        format_checkpoint(Checkpoint(NAME, -1, bytes(32)))
    with pytest.raises(NoteError):
        format_checkpoint(Checkpoint(NAME, 1, bytes(31)))
    with pytest.raises(NoteError):
        format_checkpoint(Checkpoint(NAME, 1, bytes(32), ("a\nb",)))
