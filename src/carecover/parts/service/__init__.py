"""Parts traceability use cases: serials and labels, custody events, EPCIS capture, scans.

The pure standards code lives beside the use cases: :mod:`.gs1` (GTIN, SGTIN, GLN),
:mod:`.digital_link` (GS1 Digital Link URIs and their tags), :mod:`.labels` (QR codes),
:mod:`.epcis` (EPCIS 2.0 / CBV 2.0), :mod:`.custody` (the custody state machine) and
:mod:`.clone` (clone-risk scoring from scan history).
"""

from sqlalchemy.orm import Session

from carecover.evidence.service import Disclosure, register_subject
from carecover.parts.service.capture import CaptureResult, capture, latest_events
from carecover.parts.service.custody_log import SUBJECT, location_uri, vehicle_key
from carecover.parts.service.operations import (
    MAX_BATCH,
    Commission,
    commission,
    destroy,
    find,
    get_part,
    history,
    install,
    link_for,
    parts_in_vehicle,
    receive,
    remove,
    resolver_host,
    sgtin_of,
    ship,
)
from carecover.parts.service.scans import (
    ProvenEvent,
    ScanOutcome,
    client_key,
    owner_vehicle_keys,
    prove,
    scan,
)
from carecover.platform.auth.service import Principal


def _public(_session: Session, _principal: Principal | None, _subject_id: str) -> Disclosure:
    """Part events carry no personal data: their bundles are open to anyone, contents included."""
    return Disclosure.full


register_subject(SUBJECT, _public)

__all__ = [
    "MAX_BATCH",
    "SUBJECT",
    "CaptureResult",
    "Commission",
    "ProvenEvent",
    "ScanOutcome",
    "capture",
    "client_key",
    "commission",
    "destroy",
    "find",
    "get_part",
    "history",
    "install",
    "latest_events",
    "link_for",
    "location_uri",
    "owner_vehicle_keys",
    "parts_in_vehicle",
    "prove",
    "receive",
    "remove",
    "resolver_host",
    "scan",
    "sgtin_of",
    "ship",
    "vehicle_key",
]
