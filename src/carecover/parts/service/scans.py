"""Scan-to-verify: what anyone learns by scanning a part's QR code.

The answer is tiered, never a bare yes/no: ``genuine``, ``unusual``, ``suspect`` or ``unknown``,
with the reasons (impossible travel between scans, scans after destruction, a part already
installed in another car …). An unknown serial and a label whose tag does not match answer the
same way, so scanning is no oracle for guessing serials. Scans are stored pseudonymously (keyed
device hash, coordinates rounded to about 1 km) and rate-limited per device.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from carecover.customers import repository as customers
from carecover.evidence import service as evidence
from carecover.partners.models import PartnerLocation
from carecover.parts.models import Part, PartEvent, PartScan
from carecover.parts.service.clone import CloneAssessment, CustodyState, Scan, assess_clone_risk
from carecover.parts.service.custody import CustodyStatus
from carecover.parts.service.custody_log import location_id_of, vehicle_key
from carecover.parts.service.digital_link import verify_tag
from carecover.parts.service.gs1 import SGTIN
from carecover.parts.service.operations import history
from carecover.platform.clock import ensure_utc, utc_now
from carecover.platform.config import digital_link_tag_key, get_settings
from carecover.platform.crypto.fields import get_cipher
from carecover.platform.errors import TooManyAttempts
from carecover.platform.geo import city_by_adcode
from carecover.vehicles.models import Vehicle

SCANS_PER_MINUTE = 30
HISTORY_LIMIT = 500


@dataclass(frozen=True)
class ProvenEvent:
    """A custody event with its place on the log and whether its proof checked out."""

    event: PartEvent
    leaf_index: int | None
    proven: bool


@dataclass(frozen=True)
class ScanOutcome:
    part: Part | None
    assessment: CloneAssessment
    events: list[ProvenEvent]
    checkpoint_size: int | None
    installed_in_yours: bool | None
    """For a signed-in owner: is this part installed in one of their cars? ``None`` otherwise."""


def client_key(host: str | None, user_agent: str | None) -> str:
    """What identifies a scanning client before it is hashed: its address and user agent."""
    return f"{host or '-'}|{(user_agent or '')[:200]}"


def device_pseudonym(source: str) -> str:
    """A keyed hash of the scanning client (address + user agent): countable, not reversible."""
    return get_cipher().blind_index(source, purpose="part-scan-device")


def _throttle(session: Session, device: str, now: datetime) -> None:
    recent = session.scalar(
        select(func.count())
        .select_from(PartScan)
        .where(PartScan.device == device, PartScan.at > now - timedelta(minutes=1))
    )
    if int(recent or 0) >= SCANS_PER_MINUTE:
        raise TooManyAttempts(60)


def _custody_for_clone(session: Session, part: Part, events: Sequence[PartEvent]) -> CustodyState:
    destroyed = next((e.event_time for e in events if e.biz_step == "destroying"), None)
    installed_at = None
    installed_city = None
    if part.state == CustodyStatus.INSTALLED.value:
        fitting = [e for e in events if e.biz_step == "installing"]
        if fitting:
            installed_at = ensure_utc(fitting[-1].event_time)
            site_id = location_id_of(fitting[-1].location)
            site = session.get(PartnerLocation, site_id) if site_id else None
            city = city_by_adcode(site.city_adcode) if site is not None else None
            installed_city = city.name if city is not None else None
    return CustodyState(
        commissioned=part.state != CustodyStatus.UNKNOWN.value,
        destroyed_at=ensure_utc(destroyed) if destroyed else None,
        installed_vehicle_key=part.vehicle_key,
        installed_city=installed_city,
        installed_at=installed_at,
    )


def _past_scans(session: Session, part_id: uuid.UUID) -> list[Scan]:
    rows = session.scalars(
        select(PartScan)
        .where(PartScan.part_id == part_id)
        .order_by(PartScan.at.desc())
        .limit(HISTORY_LIMIT)
    )
    return [
        Scan(
            at=ensure_utc(r.at),
            device=r.device,
            lat=r.lat,
            lon=r.lon,
            city=r.city,
            vehicle_key=r.vehicle_key,
        )
        for r in rows
    ]


def owner_vehicle_keys(session: Session, user_id: uuid.UUID) -> set[str]:
    owner = customers.get_by_user(session, user_id)
    if owner is None:
        return set()
    vins = session.scalars(select(Vehicle.vin).where(Vehicle.owner_id == owner.id))
    return {vehicle_key(vin) for vin in vins}


def prove(session: Session, events: Sequence[PartEvent]) -> tuple[list[ProvenEvent], int | None]:
    """Each event's place on the log and whether its proof checks out (latest signed checkpoint)."""
    size, proven = evidence.prove_records(
        session, evidence.get_signer(), [e.evidence_record_id for e in events]
    )
    out = []
    for event in events:
        index, ok = proven.get(event.evidence_record_id, (None, False))
        out.append(ProvenEvent(event, index, ok))
    return out, size


def scan(
    session: Session,
    *,
    sgtin: SGTIN | None,
    tag: str | None,
    client: str,
    city: str | None = None,
    lat: float | None = None,
    lon: float | None = None,
    owner_user_id: uuid.UUID | None = None,
) -> ScanOutcome:
    """Record one scan and answer it (``sgtin`` is ``None`` for a code that did not parse)."""
    now = utc_now()
    device = device_pseudonym(client)
    _throttle(session, device, now)
    part = None
    if sgtin is not None:
        part = session.scalars(
            select(Part).where(Part.gtin == sgtin.gtin, Part.serial == sgtin.serial)
        ).first()
    key = digital_link_tag_key(get_settings())
    if part is not None and (sgtin is None or tag is None or not verify_tag(sgtin, tag, key)):
        part = None  # a copied code with a wrong tag looks exactly like an unknown serial
    coarse_lat = round(lat, 2) if lat is not None and lon is not None else None
    coarse_lon = round(lon, 2) if lat is not None and lon is not None else None
    here = Scan(at=now, device=device, lat=coarse_lat, lon=coarse_lon, city=city)
    if part is None:
        assessment = assess_clone_risk(CustodyState(commissioned=False), [], here)
        session.add(_row(None, here, assessment))
        session.flush()
        return ScanOutcome(None, assessment, [], None, None)
    events = history(session, part.id)
    assessment = assess_clone_risk(
        _custody_for_clone(session, part, events), _past_scans(session, part.id), here
    )
    session.add(_row(part.id, here, assessment))
    proven, size = prove(session, events)
    mine = None
    if owner_user_id is not None:
        mine = part.vehicle_key is not None and part.vehicle_key in owner_vehicle_keys(
            session, owner_user_id
        )
    session.flush()
    return ScanOutcome(part, assessment, proven, size, mine)


def _row(part_id: uuid.UUID | None, scan_: Scan, assessment: CloneAssessment) -> PartScan:
    return PartScan(
        part_id=part_id,
        at=scan_.at,
        device=scan_.device,
        city=scan_.city,
        lat=scan_.lat,
        lon=scan_.lon,
        level=assessment.level,
        score=assessment.score,
        reasons=[{"code": r.code, "params": dict(r.params)} for r in assessment.reasons],
    )
