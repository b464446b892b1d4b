"""Claims use cases. One module per subject: ``fnol`` (first notice of loss), ``photos`` (the
photo-intake checks), ``estimate`` (the shared estimate engine)."""

from carecover.claims.service.fnol import (
    MAX_PHOTOS,
    FnolInput,
    description_of,
    existing,
    new_claim_no,
    place_of,
    policy_in_force,
    report,
)

RETAKE_CODES = frozenset({"too_small", "blurry", "too_dark", "too_bright"})
"""Photo flags the owner can fix by taking the photo again."""

__all__ = [
    "MAX_PHOTOS",
    "RETAKE_CODES",
    "FnolInput",
    "description_of",
    "existing",
    "new_claim_no",
    "place_of",
    "policy_in_force",
    "report",
]
