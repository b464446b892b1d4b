"""The log's checkpoint signer: an Ed25519 key named after the log origin (C2SP convention)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from carecover.platform.config import Settings, get_settings, ledger_seed
from carecover.verifier.note import Checkpoint, NoteVerifier, format_checkpoint, sign_note, vkey_for


@dataclass(frozen=True)
class LogSigner:
    """Signs checkpoints for one log origin."""

    origin: str
    private_key: Ed25519PrivateKey

    @property
    def public_key_raw(self) -> bytes:
        return self.private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    @property
    def vkey(self) -> str:
        """The verifier key to publish (``name+keyid+base64``), as in the signed-note spec."""
        return vkey_for(self.origin, self.public_key_raw)

    @property
    def verifier(self) -> NoteVerifier:
        return NoteVerifier.from_vkey(self.vkey)

    def sign(self, size: int, root: bytes) -> str:
        """The signed note for a tree of ``size`` leaves with ``root``."""
        body = format_checkpoint(
            Checkpoint(origin=self.origin, size=size, root=root, extensions=())
        )
        return sign_note(body, self.origin, self.private_key)


def signer_from_settings(settings: Settings) -> LogSigner:
    seed = ledger_seed(settings)
    return LogSigner(settings.ledger_origin, Ed25519PrivateKey.from_private_bytes(seed))


@lru_cache(maxsize=1)
def get_signer() -> LogSigner:
    """The process-wide signer built from settings."""
    return signer_from_settings(get_settings())
