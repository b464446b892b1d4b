"""Encrypting personal data columns.

Ciphertext layout (bytes): ``0x01 | len(key_id) | key_id | nonce(12) | AES-GCM(ciphertext+tag)``.
The associated data binds a value to ``table.column:row_id``, so a ciphertext copied into another
row or column fails to decrypt. Keys rotate by adding a new key id: old rows stay readable.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from carecover.platform.config import KeyMaterial, get_settings, load_key_material

FORMAT_VERSION = 1
NONCE_BYTES = 12


class DecryptionError(ValueError):
    """The ciphertext is corrupt, bound to another field, or its key is unknown."""


@dataclass(frozen=True, slots=True)
class FieldRef:
    """Where a value lives: the associated data that binds its ciphertext."""

    table: str
    column: str
    row_id: str

    def aad(self) -> bytes:
        return f"{self.table}.{self.column}:{self.row_id}".encode()


def normalise_for_index(value: str) -> str:
    """Canonical form for exact-match lookups: NFKC, trimmed, case-folded, no inner spaces."""
    return "".join(unicodedata.normalize("NFKC", value).split()).casefold()


class FieldCipher:
    """Encrypts and decrypts field values and computes blind indexes."""

    def __init__(self, keys: KeyMaterial) -> None:
        self._keys = keys
        self._aeads = {kid: AESGCM(key) for kid, key in keys.keyring.items()}

    @property
    def active_key_id(self) -> str:
        return self._keys.active_key_id

    def encrypt(self, plaintext: str, ref: FieldRef) -> bytes:
        key_id = self._keys.active_key_id.encode()
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aeads[self._keys.active_key_id].encrypt(nonce, plaintext.encode(), ref.aad())
        return bytes([FORMAT_VERSION, len(key_id)]) + key_id + nonce + sealed

    def decrypt(self, blob: bytes, ref: FieldRef) -> str:
        if len(blob) < 2 or blob[0] != FORMAT_VERSION:
            raise DecryptionError("unknown ciphertext format")
        kid_len = blob[1]
        key_id = blob[2 : 2 + kid_len].decode(errors="replace")
        aead = self._aeads.get(key_id)
        if aead is None:
            raise DecryptionError(f"unknown key id {key_id!r}")
        start = 2 + kid_len
        nonce, sealed = blob[start : start + NONCE_BYTES], blob[start + NONCE_BYTES :]
        try:
            return aead.decrypt(nonce, sealed, ref.aad()).decode()
        except InvalidTag as exc:
            raise DecryptionError("ciphertext does not match its field or key") from exc

    def key_id_of(self, blob: bytes) -> str:
        return blob[2 : 2 + blob[1]].decode()

    def blind_index(self, value: str, *, purpose: str) -> str:
        """HMAC-SHA256 of the normalised value, keyed per purpose (phone, id_number, plate…)."""
        purpose_key = hmac.new(
            self._keys.blind_index_key, purpose.encode(), hashlib.sha256
        ).digest()
        digest = hmac.new(purpose_key, normalise_for_index(value).encode(), hashlib.sha256)
        return digest.hexdigest()[:32]


@lru_cache(maxsize=1)
def get_cipher() -> FieldCipher:
    """The process-wide cipher built from settings (dev key file created on first use)."""
    return FieldCipher(load_key_material(get_settings()))
