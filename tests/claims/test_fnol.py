"""First notice of loss: checks before storing, photos cleaned and flagged, anchored, idempotent."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from carecover.claims import service
from carecover.claims.models import Claim, ClaimPhoto
from carecover.evidence.models import EvidenceRecord
from carecover.platform.clock import utc_now
from carecover.platform.errors import InvalidFields, NotFound
from carecover.policies.enums import PolicyStatus
from tests.factories.claims import make_insured, make_policy, photo_bytes
from tests.factories.customers import make_vehicle

LIMIT = 15 * 1024 * 1024


def fnol(car_id: object, key: str = "key-00000001", **overrides: object) -> service.FnolInput:
    values: dict[str, object] = {
        "vehicle_id": car_id,
        "occurred_at": utc_now() - timedelta(hours=2),
        "description": "倒车时撞到立柱，后保险杠凹陷",
        "idempotency_key": key,
        "lat": 31.2304,
        "lng": 121.4737,
        "place": "上海市黄浦区人民广场停车场",
    }
    values.update(overrides)
    return service.FnolInput(**values)  # type: ignore[arg-type]


def count(session: Session, model: type) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_a_report_stores_cleaned_photos_and_anchors_the_claim(session: Session) -> None:
    insured = make_insured(session)
    claim, created = service.report(
        session,
        insured.actor,
        fnol(insured.car.id),
        [photo_bytes(1), photo_bytes(2)],
        max_photo_bytes=LIMIT,
    )
    assert created
    assert claim.claim_no.startswith("CL")
    assert claim.policy_id == insured.policy.id
    assert service.description_of(claim) == "倒车时撞到立柱，后保险杠凹陷"
    photos = session.scalars(select(ClaimPhoto).where(ClaimPhoto.claim_id == claim.id)).all()
    assert [p.seq for p in photos] == [0, 1]
    stored = Image.open(io.BytesIO(photos[0].content))
    assert stored.format == "JPEG"
    assert not stored.getexif()  # no EXIF (and so no GPS) is ever stored
    kinds = session.scalars(
        select(EvidenceRecord.kind).where(EvidenceRecord.subject_id == str(claim.id))
    ).all()
    assert sorted(kinds) == ["claim_document", "claim_photo", "claim_photo"]


def test_the_same_idempotency_key_returns_the_first_claim(session: Session) -> None:
    insured = make_insured(session)
    first, _ = service.report(
        session, insured.actor, fnol(insured.car.id), [photo_bytes(1)], max_photo_bytes=LIMIT
    )
    again, created = service.report(
        session, insured.actor, fnol(insured.car.id), [photo_bytes(3)], max_photo_bytes=LIMIT
    )
    assert not created
    assert again.id == first.id
    assert count(session, Claim) == 1


def test_a_photo_reused_from_another_claim_is_flagged(session: Session) -> None:
    one, two = make_insured(session), make_insured(session)
    service.report(session, one.actor, fnol(one.car.id), [photo_bytes(7)], max_photo_bytes=LIMIT)
    reused = Image.open(io.BytesIO(photo_bytes(7))).resize((960, 720))
    buffer = io.BytesIO()
    reused.save(buffer, format="PNG")
    claim, _ = service.report(
        session, two.actor, fnol(two.car.id), [buffer.getvalue()], max_photo_bytes=LIMIT
    )
    assert [f["code"] for f in claim.flags] == ["photo_reused"]
    fresh, _ = service.report(
        session,
        two.actor,
        fnol(two.car.id, key="key-00000002"),
        [photo_bytes(8)],
        max_photo_bytes=LIMIT,
    )
    assert fresh.flags == []


def test_someone_elses_car_is_not_found(session: Session) -> None:
    insured = make_insured(session)
    stranger = make_vehicle(session)
    with pytest.raises(NotFound):
        service.report(
            session, insured.actor, fnol(stranger.id), [photo_bytes(1)], max_photo_bytes=LIMIT
        )


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"occurred_at": utc_now() + timedelta(days=1)}, "claim.occurred_in_future"),
        ({"occurred_at": utc_now() - timedelta(days=400)}, "claim.no_policy_in_force"),
    ],
)
def test_bad_reports_are_refused_and_nothing_is_stored(
    session: Session, change: dict[str, object], code: str
) -> None:
    insured = make_insured(session)
    with pytest.raises(InvalidFields) as caught:
        service.report(
            session,
            insured.actor,
            fnol(insured.car.id, **change),
            [photo_bytes(1)],
            max_photo_bytes=LIMIT,
        )
    assert caught.value.problems[0].code == code
    assert count(session, Claim) == 0


def test_an_expired_policy_still_covers_a_loss_while_it_was_in_force(session: Session) -> None:
    insured = make_insured(session)
    insured.policy.status = PolicyStatus.expired
    old = make_policy(session, insured.car, starts_at=utc_now() - timedelta(days=500))
    claim, _ = service.report(
        session,
        insured.actor,
        fnol(insured.car.id, occurred_at=utc_now() - timedelta(days=400)),
        [photo_bytes(1)],
        max_photo_bytes=LIMIT,
    )
    assert claim.policy_id == old.id


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        (b"", "claim.photo.empty"),
        (b"this is not a jpeg, whatever its name says", "claim.photo.not_an_image"),
        (photo_bytes(1)[:2000], "claim.photo.corrupt"),
    ],
)
def test_unusable_photos_refuse_the_whole_report(
    session: Session, payload: bytes, code: str
) -> None:
    insured = make_insured(session)
    with pytest.raises(InvalidFields) as caught:
        service.report(
            session,
            insured.actor,
            fnol(insured.car.id),
            [photo_bytes(1), payload],
            max_photo_bytes=LIMIT,
        )
    assert caught.value.problems[0].field == "photos.1"
    assert caught.value.problems[0].code == code
    assert count(session, ClaimPhoto) == 0
