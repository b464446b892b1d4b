"""GS1 EPCIS 2.0 for part provenance: CBV vocabularies, schema validation, event builders and
the CBV 2.0 event hash ID.

Modules: :mod:`.cbv` (vocabularies), :mod:`.validation` (vendored JSON schema, offline),
:mod:`.documents` (strict parsing, builders), :mod:`.checks` (time/size/correction rules),
:mod:`.hashing` (``ni:///sha-256;…?ver=CBV2.0``), :mod:`.identifiers` (EPC URN / Digital Link
canonicalisation), :mod:`.errors` (:class:`EpcisError`).
"""

from carecover.parts.service.epcis.cbv import (
    normalise_biz_step,
    normalise_biz_transaction_type,
    normalise_disposition,
    normalise_error_reason,
    normalise_source_dest_type,
)
from carecover.parts.service.epcis.checks import check_error_declaration, check_submitted_event
from carecover.parts.service.epcis.documents import (
    EpcisDocument,
    commissioning_event,
    destroying_event,
    epcis_document,
    error_declaration_event,
    installing_event,
    parse_document,
    receiving_event,
    removing_event,
    shipping_event,
)
from carecover.parts.service.epcis.errors import EpcisError
from carecover.parts.service.epcis.hashing import event_hash_id, prehash_string
from carecover.parts.service.epcis.validation import validate_document, validate_event

__all__ = [
    "EpcisDocument",
    "EpcisError",
    "check_error_declaration",
    "check_submitted_event",
    "commissioning_event",
    "destroying_event",
    "epcis_document",
    "error_declaration_event",
    "event_hash_id",
    "installing_event",
    "normalise_biz_step",
    "normalise_biz_transaction_type",
    "normalise_disposition",
    "normalise_error_reason",
    "normalise_source_dest_type",
    "parse_document",
    "prehash_string",
    "receiving_event",
    "removing_event",
    "shipping_event",
    "validate_document",
    "validate_event",
]
