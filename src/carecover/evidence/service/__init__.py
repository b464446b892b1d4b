"""Evidence-log use cases: anchor records, sequence the log, prove, bundle and self-audit.

Other domains anchor through :func:`anchor` and declare who may open their subjects' bundles
with :func:`register_subject`; everything else here serves the log's own API and pages.
"""

from carecover.evidence.service.bundles import (
    BUNDLE_FORMAT,
    Bundle,
    Disclosure,
    build_bundle,
    disclosure_for,
    register_subject,
)
from carecover.evidence.service.proofs import check_leaf, prove_records, verified_checkpoint
from carecover.evidence.service.records import (
    RecordKind,
    anchor,
    content_bytes,
    envelope,
    erase_party,
    get_record,
    records_for,
)
from carecover.evidence.service.signer import LogSigner, get_signer, signer_from_settings

__all__ = [
    "BUNDLE_FORMAT",
    "Bundle",
    "Disclosure",
    "LogSigner",
    "RecordKind",
    "anchor",
    "build_bundle",
    "check_leaf",
    "content_bytes",
    "disclosure_for",
    "envelope",
    "erase_party",
    "get_record",
    "get_signer",
    "prove_records",
    "records_for",
    "register_subject",
    "signer_from_settings",
    "verified_checkpoint",
]
