"""First notice of loss: an owner reports what happened, where and when, with photos.

Checks before anything is stored: the car is the reporter's, a policy was in force when the loss
occurred, the time is not in the future, every photo decodes safely. Then the claim, its cleaned
photos (EXIF stripped) and their hashes are stored and anchored on the evidence log, and the
photo signals (quality problems, reuse in another claim, EXIF time or place far from the report)
are recorded as flags. The same idempotency key from the same reporter returns the first claim.
"""

from __future__ import annotations

import io
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from PIL import Image
from sqlalchemy import select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from carecover.claims.enums import ClaimSource, ClaimStatus, EventKind
from carecover.claims.errors import ClaimConflict
from carecover.claims.events import ClaimReported
from carecover.claims.models import Claim, ClaimPhoto, PhotoHashBand
from carecover.claims.service import ocr, timeline
from carecover.claims.service.assessment import nearest_city_adcode
from carecover.claims.service.photos import PhotoIntake, PhotoRejected, hamming, intake
from carecover.customers import repository as customers
from carecover.evidence import service as evidence
from carecover.platform.auth.roles import Permission, Role, has_permission
from carecover.platform.clock import ensure_utc, utc_now
from carecover.platform.context import Actor
from carecover.platform.crypto.fields import FieldRef, get_cipher
from carecover.platform.errors import FieldProblem, Forbidden, InvalidFields, NotFound
from carecover.platform.events import publish
from carecover.platform.geo import Point
from carecover.policies.enums import PolicyKind, PolicyStatus
from carecover.policies.models import Policy
from carecover.vehicles.models import Vehicle
from carecover.vehicles.service import plate_of

MAX_PHOTOS = 12
REUSE_DISTANCE = 6
FUTURE_SKEW = timedelta(minutes=5)
COVERING = (PolicyStatus.active, PolicyStatus.expired, PolicyStatus.renewed, PolicyStatus.cancelled)
_CLAIM_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


@dataclass(frozen=True)
class FnolInput:
    vehicle_id: uuid.UUID
    occurred_at: datetime
    description: str
    idempotency_key: str
    lat: float | None = None
    lng: float | None = None
    place: str | None = None
    other_parties: int = 0
    police_report_no: str | None = None
    source: ClaimSource = ClaimSource.owner_app


def new_claim_no(now: datetime) -> str:
    """``CL`` + date + 6 random characters: short enough to read out over the phone."""
    tail = "".join(secrets.choice(_CLAIM_ALPHABET) for _ in range(6))
    return f"CL{now:%y%m%d}{tail}"


def _ref(claim_id: uuid.UUID, column: str) -> FieldRef:
    return FieldRef("claims", column, str(claim_id))


def description_of(claim: Claim) -> str:
    return get_cipher().decrypt(claim.description_enc, _ref(claim.id, "description_enc"))


def place_of(claim: Claim) -> str | None:
    if claim.place_enc is None:
        return None
    return get_cipher().decrypt(claim.place_enc, _ref(claim.id, "place_enc"))


def _vehicle(session: Session, actor: Actor, vehicle_id: uuid.UUID) -> Vehicle:
    vehicle = session.get(Vehicle, vehicle_id)
    if vehicle is None:
        raise InvalidFields(FieldProblem("vehicle_id", "claim.vehicle_unknown"))
    if actor.role is Role.owner:
        owner = customers.get_by_user(session, actor.user_id) if actor.user_id else None
        if owner is None or owner.id != vehicle.owner_id:
            raise NotFound()  # someone else's car: as if it did not exist
    elif actor.role is None or not has_permission(actor.role, Permission.customers_manage):
        raise Forbidden()
    return vehicle


def policy_in_force(session: Session, vehicle_id: uuid.UUID, at: datetime) -> Policy | None:
    """The policy covering the car at ``at``: commercial before compulsory; a cancelled policy
    covers until its cancellation."""
    rows = session.scalars(
        select(Policy).where(
            Policy.vehicle_id == vehicle_id,
            Policy.status.in_(COVERING),
            Policy.starts_at <= at,
            Policy.ends_at > at,
        )
    ).all()
    live = [p for p in rows if p.cancelled_at is None or ensure_utc(p.cancelled_at) > at]
    live.sort(key=lambda p: 0 if p.kind is PolicyKind.commercial else 1)
    return live[0] if live else None


def _check_time(occurred_at: datetime, now: datetime) -> None:
    if occurred_at.tzinfo is None:
        raise InvalidFields(FieldProblem("occurred_at", "claim.naive_time"))
    if occurred_at > now + FUTURE_SKEW:
        raise InvalidFields(FieldProblem("occurred_at", "claim.occurred_in_future"))


def _intake_all(photos: Sequence[bytes], data: FnolInput, max_bytes: int) -> list[PhotoIntake]:
    if not photos:
        raise InvalidFields(FieldProblem("photos", "claim.photos_missing"))
    if len(photos) > MAX_PHOTOS:
        raise InvalidFields(FieldProblem("photos", "claim.too_many_photos", {"max": MAX_PHOTOS}))
    point = (data.lat, data.lng) if data.lat is not None and data.lng is not None else None
    results = []
    for n, raw in enumerate(photos):
        try:
            results.append(
                intake(raw, reported_at=data.occurred_at, reported_point=point, max_bytes=max_bytes)
            )
        except PhotoRejected as exc:
            raise InvalidFields(FieldProblem(f"photos.{n}", f"claim.{exc.code}")) from exc
    return results


def _bands(phash: int) -> list[tuple[int, int]]:
    return [(band, (phash >> (8 * band)) & 0xFF) for band in range(8)]


def _reused_in(session: Session, phash: int, claim_id: uuid.UUID) -> list[str]:
    """Claim numbers of other claims holding a perceptually equal photo."""
    candidates = session.execute(
        select(ClaimPhoto.phash, Claim.claim_no)
        .join(PhotoHashBand, PhotoHashBand.photo_id == ClaimPhoto.id)
        .join(Claim, Claim.id == ClaimPhoto.claim_id)
        .where(
            tuple_(PhotoHashBand.band, PhotoHashBand.value).in_(_bands(phash)),
            ClaimPhoto.claim_id != claim_id,
        )
    ).all()
    return sorted(
        {no for other, no in candidates if hamming(int(other, 16), phash) <= REUSE_DISTANCE}
    )


def existing(session: Session, actor: Actor, key: str) -> Claim | None:
    return session.scalars(
        select(Claim).where(Claim.reported_by == actor.user_id, Claim.idempotency_key == key)
    ).first()


def report(
    session: Session,
    actor: Actor,
    data: FnolInput,
    photos: Sequence[bytes],
    *,
    max_photo_bytes: int,
    reader: ocr.TextReader | None = None,
) -> tuple[Claim, bool]:
    """File a claim; returns (claim, created). A repeated idempotency key returns the first.
    With a ``reader``, plates and VINs read on the photos are matched to the insured car."""
    if actor.user_id is None:
        raise Forbidden()
    found = existing(session, actor, data.idempotency_key)
    if found is not None:
        return found, False
    now = utc_now()
    _check_time(data.occurred_at, now)
    vehicle = _vehicle(session, actor, data.vehicle_id)
    policy = policy_in_force(session, vehicle.id, data.occurred_at)
    if policy is None:
        raise InvalidFields(FieldProblem("occurred_at", "claim.no_policy_in_force"))
    city = None
    if data.lat is not None and data.lng is not None:
        Point(data.lat, data.lng)  # range-checked by the schema; raises on nonsense
        city = nearest_city_adcode(data.lat, data.lng)
    intakes = _intake_all(photos, data, max_photo_bytes)
    claim_id = uuid.uuid4()
    claim = Claim(
        id=claim_id,
        claim_no=new_claim_no(now),
        policy_id=policy.id,
        vehicle_id=vehicle.id,
        customer_id=vehicle.owner_id,
        reported_by=actor.user_id,
        idempotency_key=data.idempotency_key,
        source=data.source,
        status=ClaimStatus.reported,
        occurred_at=data.occurred_at,
        reported_at=now,
        lat=data.lat,
        lng=data.lng,
        city_adcode=city,
        description_enc=get_cipher().encrypt(data.description, _ref(claim_id, "description_enc")),
        place_enc=(
            get_cipher().encrypt(data.place, _ref(claim_id, "place_enc")) if data.place else None
        ),
        other_parties=data.other_parties,
        police_report_no=data.police_report_no,
        flags=[],
    )
    try:
        with session.begin_nested():
            session.add(claim)
            session.flush()
    except IntegrityError:  # the same key, submitted twice at once: the first one wins
        first = existing(session, actor, data.idempotency_key)
        if first is None:
            raise
        return first, False
    claim.flags = _store_photos(session, claim, intakes, now)
    if reader is not None:
        claim.ocr = read_vehicle(reader, vehicle, intakes)
    record = evidence.anchor(
        session,
        kind=evidence.RecordKind.claim_document,
        subject_type="claim",
        subject_id=str(claim.id),
        content=_document(claim, data, intakes, policy),
        party_id=claim.customer_id,
    )
    claim.evidence_record_id = record.id
    timeline.record(session, claim, EventKind.reported, actor, {"photos": len(intakes)})
    publish(session, ClaimReported(claim_id=claim.id, claim_no=claim.claim_no))
    session.flush()
    return claim, True


def read_vehicle(
    reader: ocr.TextReader, vehicle: Vehicle, intakes: Sequence[PhotoIntake]
) -> dict[str, Any]:
    """OCR every photo (the cleaned copy), pool what was read and match it to the car."""
    plates: list[str] = []
    vins: list[str] = []
    for photo in intakes:
        with Image.open(io.BytesIO(photo.cleaned)) as image:
            found = ocr.read_vehicle_text(reader, image.convert("RGB"))
        plates.extend(p for p in found.plates if p not in plates)
        vins.extend(v for v in found.vins if v not in vins)
    match = ocr.match_vehicle(
        ocr.VehicleText(tuple(plates), tuple(vins)), plate=plate_of(vehicle), vin=vehicle.vin
    )
    return {
        "outcome": match.outcome.value,
        "plate_read": match.plate_read,
        "vin_read": match.vin_read,
    }


def _document(
    claim: Claim, data: FnolInput, intakes: Sequence[PhotoIntake], policy: Policy
) -> dict[str, Any]:
    return {
        "claim_no": claim.claim_no,
        "policy_no": policy.policy_no,
        "occurred_at": claim.occurred_at.isoformat(),
        "reported_at": claim.reported_at.isoformat(),
        "place": data.place,
        "description": data.description,
        "other_parties": data.other_parties,
        "police_report_no": data.police_report_no,
        "photos": [p.sha256 for p in intakes],
    }


def _store_photos(
    session: Session,
    claim: Claim,
    intakes: Sequence[PhotoIntake],
    now: datetime,
    start: int = 0,
) -> list[dict[str, Any]]:
    claim_flags: list[dict[str, Any]] = []
    for seq, photo in enumerate(intakes, start=start):
        flags: list[dict[str, Any]] = [{"code": code} for code in photo.flags]
        reused = _reused_in(session, photo.phash, claim.id)
        if reused:
            flags.append({"code": "photo_reused", "claims": len(reused)})
            claim_flags.append({"code": "photo_reused", "photo": seq, "claims": reused})
        row = ClaimPhoto(
            claim_id=claim.id,
            seq=seq,
            sha256=photo.sha256,
            original_sha256=photo.original_sha256,
            phash=f"{photo.phash:016x}",
            width=photo.width,
            height=photo.height,
            taken_at=photo.taken_at,
            quality=photo.quality_summary(),
            flags=flags,
            content=photo.cleaned,
            created_at=now,
        )
        session.add(row)
        session.flush()
        session.add_all(
            PhotoHashBand(photo_id=row.id, band=band, value=value)
            for band, value in _bands(photo.phash)
        )
        claim_flags.extend({"code": code, "photo": seq} for code in photo.flags)
        record = evidence.anchor(
            session,
            kind=evidence.RecordKind.claim_photo,
            subject_type="claim",
            subject_id=str(claim.id),
            content={"claim_no": claim.claim_no, "seq": seq, "sha256": photo.sha256},
            party_id=claim.customer_id,
        )
        row.evidence_record_id = record.id
    return claim_flags


def add_photos(
    session: Session,
    actor: Actor,
    claim: Claim,
    photos: Sequence[bytes],
    *,
    max_photo_bytes: int,
) -> int:
    """The owner sends the photos an adjuster asked for; the claim goes back to the desk."""
    if actor.role is not Role.owner:
        raise Forbidden()
    owner = customers.get_by_user(session, actor.user_id) if actor.user_id else None
    if owner is None or owner.id != claim.customer_id:
        raise NotFound()
    if claim.status is not ClaimStatus.more_photos_requested:
        raise ClaimConflict("photos_not_requested")
    have = len(session.scalars(select(ClaimPhoto.id).where(ClaimPhoto.claim_id == claim.id)).all())
    if have + len(photos) > 2 * MAX_PHOTOS:
        raise InvalidFields(FieldProblem("photos", "claim.too_many_photos", {"max": MAX_PHOTOS}))
    data = FnolInput(
        vehicle_id=claim.vehicle_id,
        occurred_at=ensure_utc(claim.occurred_at),
        description="",
        idempotency_key="-",
        lat=claim.lat,
        lng=claim.lng,
    )
    intakes = _intake_all(photos, data, max_photo_bytes)
    flags = _store_photos(session, claim, intakes, utc_now(), start=have)
    claim.flags = [*claim.flags, *flags]
    claim.status = ClaimStatus.adjuster_review
    timeline.record(session, claim, EventKind.photos_added, actor, {"count": len(intakes)})
    return len(intakes)
