"""Field-level encryption (AES-256-GCM), HMAC blind indexes and display masking."""

from carecover.platform.crypto.fields import (
    DecryptionError,
    FieldCipher,
    FieldRef,
    get_cipher,
)
from carecover.platform.crypto.masking import mask_id_number, mask_name, mask_phone, mask_plate

__all__ = [
    "DecryptionError",
    "FieldCipher",
    "FieldRef",
    "get_cipher",
    "mask_id_number",
    "mask_name",
    "mask_phone",
    "mask_plate",
]
