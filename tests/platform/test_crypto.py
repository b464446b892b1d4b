"""Field encryption binds each value to its row and column; blind indexes find exact matches."""

from __future__ import annotations

import pytest

from carecover.platform.config import KeyMaterial
from carecover.platform.crypto import (
    DecryptionError,
    FieldCipher,
    FieldRef,
    mask_id_number,
    mask_name,
    mask_phone,
    mask_plate,
)

K1 = bytes(range(32))
K2 = bytes(range(1, 33))
BIDX = b"b" * 32


def cipher(active: str = "k1", ring: dict[str, bytes] | None = None) -> FieldCipher:
    return FieldCipher(KeyMaterial(ring or {"k1": K1, "k2": K2}, active, BIDX))


def test_round_trip_and_ciphertext_hides_the_value() -> None:
    c = cipher()
    ref = FieldRef("customers", "phone", "row-1")
    blob = c.encrypt("13812345678", ref)
    assert b"13812345678" not in blob
    assert c.decrypt(blob, ref) == "13812345678"
    assert c.encrypt("13812345678", ref) != blob  # fresh nonce every time


@pytest.mark.parametrize(
    "other",
    [
        FieldRef("customers", "phone", "row-2"),
        FieldRef("customers", "id_number", "row-1"),
        FieldRef("users", "phone", "row-1"),
    ],
)
def test_ciphertext_moved_to_another_field_does_not_decrypt(other: FieldRef) -> None:
    c = cipher()
    blob = c.encrypt("13812345678", FieldRef("customers", "phone", "row-1"))
    with pytest.raises(DecryptionError):
        c.decrypt(blob, other)


def test_tampered_ciphertext_is_refused() -> None:
    c = cipher()
    ref = FieldRef("t", "c", "1")
    blob = bytearray(c.encrypt("secret", ref))
    blob[-1] ^= 0x01
    with pytest.raises(DecryptionError):
        c.decrypt(bytes(blob), ref)
    with pytest.raises(DecryptionError, match="format"):
        c.decrypt(b"\x09rubbish", ref)


def test_key_rotation_keeps_old_values_readable() -> None:
    ref = FieldRef("t", "c", "1")
    old_blob = cipher("k1").encrypt("张三", ref)
    rotated = cipher("k2")
    assert rotated.key_id_of(old_blob) == "k1"
    assert rotated.decrypt(old_blob, ref) == "张三"
    assert rotated.key_id_of(rotated.encrypt("张三", ref)) == "k2"
    only_new = cipher("k2", {"k2": K2})
    with pytest.raises(DecryptionError, match="unknown key id"):
        only_new.decrypt(old_blob, ref)


def test_blind_index_is_deterministic_normalised_and_purpose_bound() -> None:
    c = cipher()
    a = c.blind_index("138 1234 5678", purpose="phone")
    assert a == c.blind_index("13812345678", purpose="phone")
    assert a != c.blind_index("13812345679", purpose="phone")
    assert a != c.blind_index("13812345678", purpose="id_number")
    assert len(a) == 32
    assert c.blind_index("京a12345", purpose="plate") == c.blind_index("京A 12345", purpose="plate")


@pytest.mark.parametrize(
    ("func", "raw", "masked"),
    [
        (mask_phone, "13812345678", "138****5678"),
        (mask_phone, "+8613812345678", "+86 138****5678"),
        (mask_id_number, "11010519491231002X", "110105********002X"),
        (mask_name, "张三丰", "张**"),
        (mask_name, "Alice Smith", "A**** S****"),
        (mask_plate, "京A12345", "京A***45"),
    ],
)
def test_masking(func: object, raw: str, masked: str) -> None:
    assert func(raw) == masked  # type: ignore[operator]
