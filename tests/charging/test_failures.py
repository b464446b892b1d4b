"""An owner's charging-failure report: one ChargingFailureReported event in the outbox (the free
tow), the EVSE no longer offered until the operator speaks again, one report per car per 30
minutes, audited; only plug-in cars, only the owner's own car."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from carecover.charging import repository
from carecover.charging.enums import FailureReason
from carecover.charging.errors import ChargerNotFound
from carecover.charging.events import ChargingFailureReported
from carecover.charging.models import ChargingLocation
from carecover.charging.service import registry
from carecover.charging.service.failures import record_failure, report_failure
from carecover.charging.service.nearest import nearest_available
from carecover.platform.audit import AuditEntry
from carecover.platform.auth.models import User
from carecover.platform.auth.roles import Role
from carecover.platform.context import Actor
from carecover.platform.errors import InvalidFields, NotFound
from carecover.platform.events.models import OutboxMessage
from carecover.vehicles.enums import Powertrain
from carecover.vehicles.models import Vehicle
from tests.charging.builders import dc_evse, later, location_doc, make_operator, stamp
from tests.factories.accounts import make_user
from tests.factories.customers import make_customer, make_vehicle
from tests.factories.partners import XUHUI


@dataclass
class Owner:
    user: User
    car: Vehicle

    @property
    def actor(self) -> Actor:
        return Actor(self.user.id, Role.owner, None, "req-failure-1")


def ev_owner(session: Session, powertrain: Powertrain = Powertrain.bev) -> Owner:
    user = make_user(session, role=Role.owner)
    car = make_vehicle(session, owner=make_customer(session, user=user), powertrain=powertrain)
    return Owner(user, car)


def station(session: Session) -> ChargingLocation:
    op = make_operator(session)
    doc = location_doc(evses=[dc_evse("A"), dc_evse("B")])
    return registry.upsert_location(
        session, op.actor, "CN", "TLD", doc["id"], doc, now=later(1)
    ).location


def outbox(session: Session) -> list[OutboxMessage]:
    return list(
        session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.event_type == ChargingFailureReported.event_type
            )
        )
    )


def test_a_report_publishes_one_event_and_suspends_the_evse(session: Session) -> None:
    site = station(session)
    owner = ev_owner(session)
    assert nearest_available(session, *XUHUI, now=later(5))[0].available_evses == 2
    failure = report_failure(
        session,
        owner.actor,
        vehicle_id=owner.car.id,
        location_id=site.id,
        evse_uid="A",
        reason=FailureReason.no_power,
        note="插枪后桩显示启动，但没有电流",
        now=later(5),
    )
    [message] = outbox(session)
    assert message.payload == {
        "vehicle_id": str(owner.car.id),
        "failure_id": str(failure.id),
        "location_id": str(site.id),
        "lat": site.lat,
        "lng": site.lng,
        "reason": "no_power",
    }
    assert message.request_id == "req-failure-1"
    assert (failure.lat, failure.lng) == (site.lat, site.lng)  # the car is at the charger
    assert failure.reporter_user_id == owner.user.id
    evse = repository.evse_by_uid(session, site.id, "A")
    assert evse is not None
    assert evse.suspect_since == later(5)
    # the faulty point is no longer offered; its neighbour still is
    assert nearest_available(session, *XUHUI, now=later(6))[0].available_evses == 1
    audit = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "charging.failure_reported")
    ).one()
    assert audit.object_id == str(failure.id)


def test_the_operator_speaking_again_clears_the_suspicion(session: Session) -> None:
    site = station(session)
    owner = ev_owner(session)
    report_failure(
        session,
        owner.actor,
        vehicle_id=owner.car.id,
        location_id=site.id,
        evse_uid="A",
        reason="charger_fault",
        now=later(5),
    )
    op_actor = Actor.system()
    # an update from before the report does not clear it ...
    registry.patch_evse(
        session,
        op_actor,
        "CN",
        "TLD",
        site.ocpi_id,
        "A",
        {"status": "AVAILABLE", "last_updated": stamp(later(4))},
        now=later(6),
    )
    assert nearest_available(session, *XUHUI, now=later(7))[0].available_evses == 1
    # ... the operator's next word after it does
    registry.patch_evse(
        session,
        op_actor,
        "CN",
        "TLD",
        site.ocpi_id,
        "A",
        {"status": "AVAILABLE", "last_updated": stamp(later(8))},
        now=later(8),
    )
    assert nearest_available(session, *XUHUI, now=later(9))[0].available_evses == 2


def test_a_repeated_report_within_30_minutes_returns_the_first(session: Session) -> None:
    site = station(session)
    owner = ev_owner(session)

    def report(minutes: float, reason: str = "charger_fault") -> tuple[object, bool]:
        return record_failure(
            session,
            owner.actor,
            vehicle_id=owner.car.id,
            location_id=site.id,
            reason=reason,
            lat=31.18805,
            lng=121.43710,
            now=later(minutes),
        )

    first, created = report(10)
    assert created
    again, created_again = report(35, reason="payment_failed")  # 25 minutes later
    assert again is first
    assert not created_again
    assert len(outbox(session)) == 1
    third, created_third = report(41)  # 31 minutes after the first
    assert created_third
    assert third is not first
    assert len(outbox(session)) == 2


def test_only_plug_in_cars_and_only_ones_own(session: Session) -> None:
    site = station(session)
    petrol = ev_owner(session, Powertrain.ice)
    with pytest.raises(InvalidFields) as refused:
        report_failure(
            session,
            petrol.actor,
            vehicle_id=petrol.car.id,
            location_id=site.id,
            reason="charger_fault",
        )
    assert [p.code for p in refused.value.problems] == ["charging.failure.not_plug_in"]
    owner, stranger = ev_owner(session, Powertrain.phev), ev_owner(session)
    with pytest.raises(NotFound):
        report_failure(
            session,
            stranger.actor,
            vehicle_id=owner.car.id,
            location_id=site.id,
            reason="charger_fault",
        )
    with pytest.raises(InvalidFields) as bad:
        report_failure(
            session,
            owner.actor,
            vehicle_id=owner.car.id,
            location_id=site.id,
            evse_uid="Z",
            reason="flat_battery",
            lat=95.0,
        )
    assert {(p.field, p.code) for p in bad.value.problems} == {
        ("reason", "charging.failure.reason_unknown"),
        ("lng", "charging.failure.both"),
        ("lat", "charging.lat_range"),
        ("evse_uid", "charging.failure.evse_unknown"),
    }
    with pytest.raises(ChargerNotFound):
        report_failure(
            session, owner.actor, vehicle_id=owner.car.id, location_id=owner.car.id, reason="other"
        )
    assert outbox(session) == []
