"""One-tap care requests: from a puncture alert (book at the shop it offered), a charger request,
a reminder's maintenance booking, rescue and a claim from a crash alert (through the claims
service, with the crash's time and place); repeated taps make one request; audited; the owner
gets one confirmation; someone else's car does not exist."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from carecover.accounts.models import Notification
from carecover.claims.enums import ClaimSource
from carecover.claims.models import Claim
from carecover.partners.enums import PartnerType
from carecover.partners.models import PartnerLocation
from carecover.platform.audit import AuditEntry
from carecover.platform.clock import ensure_utc, utc_now
from carecover.platform.context import Actor
from carecover.platform.errors import InvalidFields, NotFound
from carecover.platform.events.models import OutboxMessage
from carecover.telematics.enums import DeviceKind
from carecover.telematics.handlers import confirm_care
from carecover.telematics.models import Alert
from carecover.telematics.service import care, devices, ingest
from carecover.telematics.service.care import CareKind, CareRequested, CareStatus
from tests.factories.claims import Insured, make_insured, photo_bytes
from tests.factories.partners import PUDONG, XUHUI, make_partner
from tests.telematics.test_alerts import NEAR, puncture


def crash(start_seq: int = 100) -> list[dict[str, object]]:
    """Driving at 50 km/h, then a 5.5 g spike: the crash rule's shape."""
    start = utc_now() - timedelta(minutes=5)
    out: list[dict[str, object]] = []
    for n in range(6):
        out.append(
            {
                "seq": start_seq + n,
                "ts": int((start + timedelta(seconds=n)).timestamp() * 1000),
                "lat": PUDONG[0],
                "lng": PUDONG[1],
                "speed": 50.0 if n < 5 else 3.0,
                "acc": [0.0, 0.0, 1.0] if n < 5 else [5.0, 2.0, 1.0],
            }
        )
    return out


def alerts_of(session: Session, insured: Insured, readings: list[dict[str, object]]) -> Alert:
    device, _ = devices.register(session, Actor.system(), insured.car.id, DeviceKind.obd_dongle)
    result = ingest.ingest(session, device, readings, now=utc_now())
    assert len(result.alerts) == 1, result.alerts
    return result.alerts[0]


def test_booking_the_shop_an_alert_offered_records_one_request(session: Session) -> None:
    make_partner(session, location=XUHUI)
    insured = make_insured(session)
    alert = alerts_of(session, insured, puncture())
    row, created = care.request(
        session, insured.actor, insured.car.id, CareKind.repair, alert_id=alert.id
    )
    assert created
    assert (row.kind, row.status) == ("repair", "requested")
    assert str(row.location_id) == alert.action["location_id"]
    assert row.details["site"]["within_reach"] is True
    assert (row.lat, row.lng) == NEAR  # where the car was when the alert was raised
    again, created_again = care.request(
        session, insured.actor, insured.car.id, CareKind.repair, alert_id=alert.id
    )
    assert again.id == row.id
    assert not created_again
    audits = session.scalars(
        select(AuditEntry).where(
            AuditEntry.action == "telematics.care_requested", AuditEntry.object_id == str(row.id)
        )
    ).all()
    assert len(audits) == 1
    events = session.scalars(
        select(OutboxMessage).where(OutboxMessage.event_type == "telematics.care_requested")
    ).all()
    assert [e.payload["request_id"] for e in events] == [str(row.id)]
    confirm_care(
        session, CareRequested(request_id=row.id, vehicle_id=row.vehicle_id, kind="repair")
    )
    note = session.scalars(
        select(Notification).where(Notification.user_id == insured.owner.id)
    ).one()
    assert note.message_key == "notice.care.repair.site"


def test_a_charger_request_finds_the_nearest_charging_site_and_taps_dedupe(
    session: Session,
) -> None:
    make_partner(session, partner_type=PartnerType.charging_operator, location=XUHUI)
    insured = make_insured(session)
    alerts_of(session, insured, puncture())  # the car's position: near Xuhui
    first, _ = care.request(session, insured.actor, insured.car.id, CareKind.charger)
    second, created = care.request(session, insured.actor, insured.car.id, CareKind.charger)
    assert first.id == second.id
    assert not created
    assert first.details["site"]["distance_km"] < 3


def test_a_reminder_books_maintenance_once(session: Session) -> None:
    make_partner(session, location=XUHUI)
    insured = make_insured(session)
    shop = make_partner(session, location=PUDONG)
    assert care.nearest_site(session, None, PartnerType.repair_shop) is None  # no position
    location = session.scalars(
        select(PartnerLocation).where(PartnerLocation.partner_id == shop.id)
    ).one()
    one, _ = care.request(
        session, insured.actor, insured.car.id, CareKind.maintenance,
        reminder_key="oil:2026-12", location_id=location.id,
    )  # fmt: skip
    two, created = care.request(
        session, insured.actor, insured.car.id, CareKind.maintenance,
        reminder_key="oil:2026-12", location_id=location.id,
    )  # fmt: skip
    assert one.id == two.id
    assert not created
    assert one.reminder_key == "oil:2026-12"
    assert one.details["site"]["name"] == location.name


def test_a_crash_offers_rescue_and_starts_a_claim_through_the_claims_service(
    session: Session,
) -> None:
    insured = make_insured(session)
    alert = alerts_of(session, insured, crash())
    assert alert.code == "crash"
    assert alert.action["kind"] == "rescue"
    rescue, _ = care.request(
        session, insured.actor, insured.car.id, CareKind.rescue, alert_id=alert.id
    )
    assert (rescue.lat, rescue.lng) == PUDONG
    row, _ = care.request(session, insured.actor, insured.car.id, CareKind.claim, alert_id=alert.id)
    assert row.id != rescue.id
    prefill = care.claim_prefill(session, row)
    assert prefill.occurred_at == ensure_utc(alert.raised_at)
    assert (prefill.lat, prefill.lng) == PUDONG
    assert prefill.peak_g is not None
    assert prefill.peak_g > 4
    assert prefill.missing == ("photos", "description")

    with pytest.raises(InvalidFields):  # the claims domain files nothing without photos
        care.file_claim(
            session, insured.actor, row, description="Rear-ended at a light", photos=[],
            idempotency_key="crash-1", max_photo_bytes=10_000_000,
        )  # fmt: skip
    claim = care.file_claim(
        session, insured.actor, row, description="Rear-ended at a light",
        photos=[photo_bytes(7)], idempotency_key="crash-1", max_photo_bytes=10_000_000,
    )  # fmt: skip
    assert claim.source is ClaimSource.telematics
    assert ensure_utc(claim.occurred_at) == ensure_utc(alert.raised_at)
    assert (claim.lat, claim.lng) == PUDONG
    assert (row.status, row.claim_id) == (CareStatus.claim_filed.value, claim.id)
    again = care.file_claim(
        session, insured.actor, row, description="again", photos=[photo_bytes(8)],
        idempotency_key="crash-2", max_photo_bytes=10_000_000,
    )  # fmt: skip
    assert again.id == claim.id
    assert len(session.scalars(select(Claim).where(Claim.vehicle_id == insured.car.id)).all()) == 1


def test_a_claim_needs_a_crash_alert_and_the_car_must_be_yours(session: Session) -> None:
    make_partner(session, location=XUHUI)
    insured = make_insured(session)
    alert = alerts_of(session, insured, puncture())
    with pytest.raises(InvalidFields):
        care.request(session, insured.actor, insured.car.id, CareKind.claim, alert_id=alert.id)
    with pytest.raises(InvalidFields):
        care.request(session, insured.actor, insured.car.id, CareKind.claim)
    other = make_insured(session)
    with pytest.raises(NotFound):
        care.request(session, other.actor, insured.car.id, CareKind.rescue)
    with pytest.raises(InvalidFields):  # an alert of another car
        care.request(session, other.actor, other.car.id, CareKind.repair, alert_id=alert.id)
