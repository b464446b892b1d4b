"""C2SP signed notes (c2sp.org/signed-note) and log checkpoints (c2sp.org/tlog-checkpoint).

Only Ed25519 keys (signature type 0x01) are supported. A note is UTF-8 text ending in a
newline, a blank line, then signature lines ``— <key name> <base64(key ID || signature)>``.
Verification follows the spec: signatures from unknown (name, key ID) pairs are ignored, a
failing signature from a known key rejects the note, and at least one known key must verify.

Standard library and ``cryptography`` only: this module is part of the offline verifier.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from .merkle import HASH_SIZE, MAX_SIZE  # noqa: TID252 - the verifier stands alone

ALG_ED25519 = 0x01
KEY_ID_SIZE = 4
MAX_NOTE_SIZE = 64 * 1024
MAX_SIGNATURES = 100
SIGNATURE_PREFIX = "\u2014 "  # em dash, space

_HEX8 = re.compile(r"[0-9a-fA-F]{8}")
_DECIMAL = re.compile(r"0|[1-9][0-9]{0,18}")


class NoteError(ValueError):
    """A note, key or checkpoint is malformed or does not verify; ``code`` is stable."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def _b64decode(text: str, what: str, code: str) -> bytes:
    """Strict standard base64: alphabet, padding and canonical trailing bits."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error, ValueError) as exc:
        raise NoteError(code, f"{what} is not valid base64") from exc
    if base64.b64encode(raw).decode("ascii") != text:
        raise NoteError(code, f"{what} is not canonical base64")
    return raw


def _check_name(name: object) -> str:
    if not isinstance(name, str) or not name:
        raise NoteError("note.key_name", "a key name must be a non-empty string")
    if "+" in name or any(ch.isspace() for ch in name):
        raise NoteError("note.key_name", f"key name {name!r} contains a space or a plus sign")
    if any(ord(ch) < 0x20 for ch in name):
        raise NoteError("note.key_name", f"key name {name!r} contains a control character")
    return name


def _check_text_chars(text: str) -> None:
    for ch in text:
        if ord(ch) < 0x20 and ch != "\n":
            raise NoteError(
                "note.control_char",
                f"the note contains control character U+{ord(ch):04X}; only newline is allowed",
            )


def _encode_utf8(text: str) -> bytes:
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise NoteError("note.utf8", "the note is not valid UTF-8") from exc


def key_id(name: str, public_key_raw: bytes) -> bytes:
    """SHA-256(name || 0x0A || 0x01 || public key)[:4], as the spec recommends."""
    _check_name(name)
    if not isinstance(public_key_raw, bytes) or len(public_key_raw) != 32:
        raise NoteError("note.public_key", "an Ed25519 public key is 32 bytes")
    material = name.encode("utf-8") + b"\n" + bytes([ALG_ED25519]) + public_key_raw
    return hashlib.sha256(material).digest()[:KEY_ID_SIZE]


def vkey_for(name: str, public_key_raw: bytes) -> str:
    """The verifier key string ``<name>+<8 hex key ID>+<base64(0x01 || public key)>``."""
    kid = key_id(name, public_key_raw)
    encoded = base64.b64encode(bytes([ALG_ED25519]) + public_key_raw).decode("ascii")
    return f"{name}+{kid.hex()}+{encoded}"


def _raw_public_key(private_key: Ed25519PrivateKey) -> bytes:
    return private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


@dataclass(frozen=True, slots=True)
class NoteVerifier:
    """A trusted Ed25519 note key: its name, 4-byte key ID and raw 32-byte public key."""

    name: str
    key_id: bytes
    public_key: bytes

    def __post_init__(self) -> None:
        if key_id(self.name, self.public_key) != self.key_id:
            raise NoteError("note.vkey", "the key ID does not match the key name and public key")

    @classmethod
    def from_vkey(cls, vkey: str) -> NoteVerifier:
        """Parse a verifier key string strictly."""
        if not isinstance(vkey, str):
            raise NoteError("note.vkey", "a verifier key must be a string")
        parts = vkey.split("+", 2)  # base64 may itself contain "+"
        if len(parts) != 3:
            raise NoteError(
                "note.vkey", "a verifier key has the form <name>+<key id hex>+<base64 key>"
            )
        name, hex_id, encoded = parts
        _check_name(name)
        if not _HEX8.fullmatch(hex_id):
            raise NoteError("note.vkey", "the key ID of a verifier key is 8 hex digits")
        raw = _b64decode(encoded, "the verifier key's public key", "note.vkey")
        if len(raw) != 33 or raw[0] != ALG_ED25519:
            raise NoteError(
                "note.vkey", "only Ed25519 verifier keys (type 0x01, 32-byte key) are supported"
            )
        return cls(name=name, key_id=bytes.fromhex(hex_id), public_key=raw[1:])

    @property
    def vkey(self) -> str:
        return vkey_for(self.name, self.public_key)

    def verify(self, message: bytes, signature: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except InvalidSignature:
            return False
        return True


@dataclass(frozen=True, slots=True)
class NoteSignature:
    """One signature line: key name, 4-byte key ID and the signature bytes after it."""

    name: str
    key_id: bytes
    signature: bytes

    def line(self) -> str:
        blob = base64.b64encode(self.key_id + self.signature).decode("ascii")
        return f"{SIGNATURE_PREFIX}{self.name} {blob}\n"


@dataclass(frozen=True, slots=True)
class Note:
    """A parsed note. ``verified`` lists the signatures checked by :func:`verify_note`."""

    text: str
    signatures: tuple[NoteSignature, ...]
    verified: tuple[NoteSignature, ...] = field(default=())


def _to_text(data: str | bytes) -> tuple[str, bytes]:
    if isinstance(data, bytes):
        raw = data
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise NoteError("note.utf8", "the note is not valid UTF-8") from exc
    elif isinstance(data, str):
        text = data
        raw = _encode_utf8(text)
    else:
        raise NoteError("note.type", "a note must be str or bytes")
    if len(raw) > MAX_NOTE_SIZE:
        raise NoteError("note.too_large", f"the note is larger than {MAX_NOTE_SIZE} bytes")
    return text, raw


def _parse_signature_line(line: str) -> NoteSignature:
    if not line.startswith(SIGNATURE_PREFIX):
        raise NoteError(
            "note.signature_line",
            "a signature line must start with an em dash (U+2014) and a space",
        )
    parts = line[len(SIGNATURE_PREFIX) :].split(" ")
    if len(parts) != 2:
        raise NoteError(
            "note.signature_line", "a signature line is '— <key name> <base64 signature>'"
        )
    name, encoded = parts
    _check_name(name)
    blob = _b64decode(encoded, f"the signature of {name}", "note.signature_line")
    if len(blob) < KEY_ID_SIZE:
        raise NoteError("note.signature_line", f"the signature of {name} is too short")
    return NoteSignature(name=name, key_id=blob[:KEY_ID_SIZE], signature=blob[KEY_ID_SIZE:])


def parse_note(data: str | bytes) -> Note:
    """Split a signed note into its text and signature lines, checking only the syntax."""
    text, _ = _to_text(data)
    _check_text_chars(text)
    split = text.rfind("\n\n")
    if split < 0:
        raise NoteError(
            "note.malformed", "no blank line separates the note text from its signatures"
        )
    body, block = text[: split + 1], text[split + 2 :]
    if not block:
        raise NoteError("note.malformed", "the note has no signature lines")
    if not block.endswith("\n"):
        raise NoteError("note.malformed", "the last signature line does not end in a newline")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise NoteError(
            "note.too_many_signatures", f"the note has more than {MAX_SIGNATURES} signatures"
        )
    return Note(text=body, signatures=tuple(_parse_signature_line(line) for line in lines))


def verify_note(data: str | bytes, verifiers: Iterable[NoteVerifier]) -> Note:
    """Parse ``data`` and verify it against the trusted ``verifiers``.

    Unknown signatures are ignored; a bad signature from a known key, the same key signing
    twice, or no known key at all rejects the note.
    """
    known: dict[tuple[str, bytes], NoteVerifier] = {}
    for verifier in verifiers:
        ident = (verifier.name, verifier.key_id)
        if ident in known and known[ident].public_key != verifier.public_key:
            raise NoteError(
                "note.verifiers", f"two different keys share the name and ID of {verifier.name}"
            )
        known[ident] = verifier
    note = parse_note(data)
    message = note.text.encode("utf-8")
    seen: set[tuple[str, bytes]] = set()
    verified: list[NoteSignature] = []
    for sig in note.signatures:
        ident = (sig.name, sig.key_id)
        if ident in seen:
            raise NoteError(
                "note.duplicate_signature", f"key {sig.name} ({sig.key_id.hex()}) signed twice"
            )
        seen.add(ident)
        trusted = known.get(ident)
        if trusted is None:
            continue
        if not trusted.verify(message, sig.signature):
            raise NoteError(
                "note.bad_signature", f"the signature of {sig.name} ({sig.key_id.hex()}) fails"
            )
        verified.append(sig)
    if not verified:
        raise NoteError("note.unverified", "the note carries no signature from a trusted key")
    return Note(text=note.text, signatures=note.signatures, verified=tuple(verified))


def _signature_for(text: str, name: str, private_key: Ed25519PrivateKey) -> NoteSignature:
    kid = key_id(name, _raw_public_key(private_key))
    return NoteSignature(name=name, key_id=kid, signature=private_key.sign(_encode_utf8(text)))


def sign_note(text: str, name: str, private_key: Ed25519PrivateKey) -> str:
    """Sign ``text`` (which must end in a newline) and return the signed note."""
    if not isinstance(text, str) or not text.endswith("\n"):
        raise NoteError("note.malformed", "the note text must be a string ending in a newline")
    _check_name(name)
    _check_text_chars(text)
    signed = text + "\n" + _signature_for(text, name, private_key).line()
    _to_text(signed)
    return signed


def add_signature(note: str, name: str, private_key: Ed25519PrivateKey) -> str:
    """Cosign an already signed note: append one more signature line."""
    parsed = parse_note(note)
    sig = _signature_for(parsed.text, name, private_key)
    if any((s.name, s.key_id) == (sig.name, sig.key_id) for s in parsed.signatures):
        raise NoteError("note.duplicate_signature", f"key {name} already signed this note")
    signed = note + sig.line()
    parse_note(signed)
    return signed


# --- checkpoints ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A log's signed tree head: origin, tree size, root hash and opaque extension lines."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()


def _check_line(value: object, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise NoteError("checkpoint.malformed", f"the checkpoint {what} must be a non-empty line")
    if any(ord(ch) < 0x20 for ch in value):
        raise NoteError("checkpoint.malformed", f"the checkpoint {what} has a control character")
    return value


def format_checkpoint(cp: Checkpoint) -> str:
    """The checkpoint note body: origin, size, base64 root, then extension lines."""
    _check_line(cp.origin, "origin")
    if isinstance(cp.size, bool) or not isinstance(cp.size, int) or not 0 <= cp.size <= MAX_SIZE:
        raise NoteError("checkpoint.size", "the checkpoint size must be an integer in 0..2^63")
    if not isinstance(cp.root, bytes) or len(cp.root) != HASH_SIZE:
        raise NoteError("checkpoint.root", f"the checkpoint root must be {HASH_SIZE} bytes")
    for ext in cp.extensions:
        _check_line(ext, "extension line")
    root = base64.b64encode(cp.root).decode("ascii")
    return "".join(f"{line}\n" for line in (cp.origin, str(cp.size), root, *cp.extensions))


def parse_checkpoint(text: str) -> Checkpoint:
    """Parse a checkpoint note body (the text of the note, without signatures)."""
    if not isinstance(text, str) or not text.endswith("\n"):
        raise NoteError("checkpoint.malformed", "a checkpoint body must end in a newline")
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise NoteError("checkpoint.malformed", "a checkpoint has at least three lines")
    origin = _check_line(lines[0], "origin")
    size_line = _check_line(lines[1], "size")
    if not _DECIMAL.fullmatch(size_line) or int(size_line) > MAX_SIZE:
        raise NoteError(
            "checkpoint.size",
            f"checkpoint size {size_line!r} is not a decimal number without leading zeros",
        )
    root = _b64decode(_check_line(lines[2], "root"), "the checkpoint root", "checkpoint.root")
    if len(root) != HASH_SIZE:
        raise NoteError(
            "checkpoint.root", f"the checkpoint root is {len(root)} bytes, not {HASH_SIZE}"
        )
    extensions = tuple(_check_line(ext, "extension line") for ext in lines[3:])
    return Checkpoint(origin=origin, size=int(size_line), root=root, extensions=extensions)


def open_checkpoint(
    signed: str | bytes, verifier: NoteVerifier, *, origin: str | None = None
) -> Checkpoint:
    """Verify a signed checkpoint with ``verifier`` and parse it; pin ``origin`` if given."""
    note = verify_note(signed, [verifier])
    checkpoint = parse_checkpoint(note.text)
    if origin is not None and checkpoint.origin != origin:
        raise NoteError(
            "checkpoint.origin",
            f"the checkpoint is from log {checkpoint.origin!r}, not {origin!r}",
        )
    return checkpoint
