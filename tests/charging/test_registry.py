"""The OCPI receiver's registry: a location PUT reads back as sent, PUT replaces (a missing EVSE
becomes REMOVED, its history kept), PATCHes are ordered by last_updated, and bad OCPI input is
refused field by field with nothing stored."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from carecover.charging import repository
from carecover.charging.enums import EvseStatus
from carecover.charging.errors import OcpiInvalid, PartyNotYours, StaleUpdate, UnknownOcpiObject
from carecover.charging.models import ChargingLocation, Connector, Evse, EvseStatusChange
from carecover.charging.service import registry, shapes
from carecover.platform.audit import AuditEntry
from carecover.platform.context import Actor
from tests.charging.builders import (
    NOW,
    ac_evse,
    dc_evse,
    later,
    location_doc,
    make_operator,
    stamp,
)
from tests.factories.partners import XUHUI


def put(session: Session, op_actor: Actor, doc: dict[str, Any]) -> registry.Written:
    return registry.upsert_location(
        session, op_actor, doc["country_code"], doc["party_id"], doc["id"], doc, now=later(120)
    )


def evse(session: Session, location: ChargingLocation, uid: str) -> Evse:
    found = repository.evse_by_uid(session, location.id, uid)
    assert found is not None
    return found


def test_a_put_location_reads_back_as_sent(session: Session) -> None:
    op = make_operator(session)
    doc = location_doc()
    written = put(session, op.actor, doc)
    assert written.created
    back = shapes.location_json(session, written.location)
    # OCPI's own fields come back unchanged (coordinates as numbers: the string may shorten)
    for key in ("country_code", "party_id", "id", "publish", "name", "address", "city"):
        assert back[key] == doc[key], key
    for key in ("postal_code", "state", "country", "parking_type", "time_zone", "facilities"):
        assert back[key] == doc[key], key
    assert back["directions"] == doc["directions"]
    assert back["operator"] == doc["operator"]
    assert back["opening_times"] == doc["opening_times"]
    assert back["charging_when_closed"] is True
    assert back["last_updated"] == doc["last_updated"]
    assert float(back["coordinates"]["latitude"]) == XUHUI[0]
    assert float(back["coordinates"]["longitude"]) == XUHUI[1]
    assert back["evses"] == sorted(doc["evses"], key=lambda e: e["uid"])
    assert written.location.operator_partner_id == op.partner.id
    # the operator's partner site is 0 m away: the location describes it
    assert written.location.partner_location_id is not None
    dc = evse(session, written.location, "SH-XH-0001-1")
    assert dc.status is EvseStatus.AVAILABLE
    assert dc.status_reported_at == NOW
    connector = session.scalars(select(Connector).where(Connector.evse_pk == dc.id)).one()
    assert (connector.standard.value, connector.power_w) == ("GBT_DC", 120_000)
    audits = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "charging.location_put")
    ).all()
    assert [a.object_id for a in audits] == [str(written.location.id)]


def test_put_replaces_and_a_missing_evse_becomes_removed(session: Session) -> None:
    op = make_operator(session)
    first = put(session, op.actor, location_doc())
    newer = location_doc(
        evses=[
            dc_evse("SH-XH-0001-1", status="CHARGING", at=later(10)),
            dc_evse("SH-XH-0001-3", at=later(10)),
        ],
        at=later(10),
        name="徐汇虹漕路超充站",
    )
    again = put(session, op.actor, newer)
    assert not again.created
    assert again.location.id == first.location.id
    assert again.location.name == "徐汇虹漕路超充站"
    statuses = {e.uid: e.status for e in repository.evses_of(session, first.location.id)}
    assert statuses == {
        "SH-XH-0001-1": EvseStatus.CHARGING,
        "SH-XH-0001-2": EvseStatus.REMOVED,  # kept, the OCPI way of deleting
        "SH-XH-0001-3": EvseStatus.AVAILABLE,
    }
    removed = evse(session, first.location, "SH-XH-0001-2")
    history = [(h.previous, h.status) for h in repository.status_history(session, removed.id)]
    assert history == [(EvseStatus.AVAILABLE, EvseStatus.REMOVED), (None, EvseStatus.AVAILABLE)]
    assert removed.status_changed_at == later(10)


def test_an_older_location_put_is_refused_and_changes_nothing(session: Session) -> None:
    op = make_operator(session)
    put(session, op.actor, location_doc(at=later(10), evses=[dc_evse("A", at=later(10))]))
    with pytest.raises(StaleUpdate):
        put(
            session,
            op.actor,
            location_doc(
                at=later(5), name="旧名字", evses=[dc_evse("A", status="OUTOFORDER", at=later(5))]
            ),
        )
    location = repository.location_by_key(session, "CN", "TLD", "SH-XH-0001")
    assert location is not None
    assert location.name == "徐汇虹漕路充电站"
    assert evse(session, location, "A").status is EvseStatus.AVAILABLE


def test_inside_a_newer_put_an_older_evse_keeps_the_stored_one(session: Session) -> None:
    op = make_operator(session)
    written = put(session, op.actor, location_doc(evses=[dc_evse("A")]))
    registry.patch_evse(
        session,
        op.actor,
        "CN",
        "TLD",
        "SH-XH-0001",
        "A",
        {"status": "CHARGING", "last_updated": stamp(later(20))},
        now=later(21),
    )
    # the operator's full snapshot is newer overall, but was taken before that status change
    snapshot = location_doc(evses=[dc_evse("A", status="AVAILABLE", at=later(15))], at=later(30))
    put(session, op.actor, snapshot)
    assert evse(session, written.location, "A").status is EvseStatus.CHARGING


def test_patches_apply_in_last_updated_order(session: Session) -> None:
    op = make_operator(session)
    written = put(session, op.actor, location_doc(evses=[dc_evse("A")]))

    def patch(status: str, minutes: float) -> Evse:
        return registry.patch_evse(
            session,
            op.actor,
            "cn",  # OCPI's country code and party id are case-insensitive
            "tld",
            "SH-XH-0001",
            "A",
            {"status": status, "last_updated": stamp(later(minutes))},
            now=later(60),
        )

    assert patch("CHARGING", 10).status is EvseStatus.CHARGING
    with pytest.raises(StaleUpdate) as refused:
        patch("AVAILABLE", 5)  # arrived late: older than what is stored
    assert refused.value.stored == later(10)
    assert patch("OUTOFORDER", 10).status is EvseStatus.OUTOFORDER  # the same second applies
    assert patch("AVAILABLE", 12).status is EvseStatus.AVAILABLE
    stored = evse(session, written.location, "A")
    assert stored.status_changed_at == later(12)
    assert stored.last_updated == later(12)
    changes = session.scalars(
        select(EvseStatusChange.status)
        .where(EvseStatusChange.evse_pk == stored.id)
        .order_by(EvseStatusChange.changed_at, EvseStatusChange.received_at)
    ).all()
    assert changes == [
        EvseStatus.AVAILABLE,
        EvseStatus.CHARGING,
        EvseStatus.OUTOFORDER,
        EvseStatus.AVAILABLE,
    ]
    session.refresh(written.location)
    assert written.location.last_updated == later(12)  # the parent follows its EVSE


def test_a_status_patch_restating_the_status_refreshes_trust_not_history(session: Session) -> None:
    op = make_operator(session)
    written = put(session, op.actor, location_doc(evses=[dc_evse("A")]))
    registry.patch_evse(
        session,
        op.actor,
        "CN",
        "TLD",
        "SH-XH-0001",
        "A",
        {"status": "AVAILABLE", "last_updated": stamp(later(50))},
        now=later(50),
    )
    stored = evse(session, written.location, "A")
    assert stored.status_reported_at == later(50)
    assert stored.status_changed_at == NOW
    assert len(repository.status_history(session, stored.id)) == 1


def test_a_connector_patch_is_ordered_too(session: Session) -> None:
    op = make_operator(session)
    written = put(session, op.actor, location_doc(evses=[dc_evse("A")]))
    row = registry.patch_connector(
        session,
        op.actor,
        "CN",
        "TLD",
        "SH-XH-0001",
        "A",
        "1",
        {"tariff_ids": ["DC-NIGHT"], "max_electric_power": 60000, "last_updated": stamp(later(5))},
        now=later(5),
    )
    assert (row.tariff_ids, row.power_w) == (["DC-NIGHT"], 60_000)
    with pytest.raises(StaleUpdate):
        registry.patch_connector(
            session,
            op.actor,
            "CN",
            "TLD",
            "SH-XH-0001",
            "A",
            "1",
            {"tariff_ids": ["OLD"], "last_updated": stamp(later(1))},
            now=later(5),
        )
    assert row.tariff_ids == ["DC-NIGHT"]
    assert evse(session, written.location, "A").last_updated == later(5)
    with pytest.raises(UnknownOcpiObject):
        registry.patch_connector(
            session,
            op.actor,
            "CN",
            "TLD",
            "SH-XH-0001",
            "A",
            "9",
            {"last_updated": stamp(later(6))},
            now=later(6),
        )


def test_another_operator_may_not_write_this_party(session: Session) -> None:
    mine = make_operator(session, "TLD")
    other = make_operator(session, "XXC")
    with pytest.raises(PartyNotYours):
        put(session, other.actor, location_doc(party="TLD"))
    with pytest.raises(PartyNotYours):  # an unregistered party reads the same
        put(session, other.actor, location_doc(party="ZZZ"))
    put(session, mine.actor, location_doc())
    with pytest.raises(PartyNotYours):
        registry.patch_evse(
            session,
            other.actor,
            "CN",
            "TLD",
            "SH-XH-0001",
            "SH-XH-0001-1",
            {"status": "OUTOFORDER", "last_updated": stamp(later(5))},
        )


def problems(exc: pytest.ExceptionInfo[OcpiInvalid]) -> dict[str, str]:
    return {p.field: p.code for p in exc.value.problems}


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        (
            lambda d: d["coordinates"].update(latitude="95.000000"),
            "coordinates",
            "charging.ocpi.latitude_range",
        ),
        (
            lambda d: d["coordinates"].update(longitude="181.000000"),
            "coordinates",
            "charging.ocpi.longitude_range",
        ),
        (
            lambda d: d["coordinates"].update(latitude="31.2"),
            "coordinates.latitude",
            "charging.ocpi.pattern",
        ),
        # swapped: a valid point, but in the sea off Somalia, not in China
        (
            lambda d: d.update(coordinates={"latitude": "81.437000", "longitude": "31.188000"}),
            "coordinates",
            "location.outside_china",
        ),
        (
            lambda d: d["evses"][0]["connectors"][0].update(standard="GBT_XX"),
            "evses.0.connectors.0.standard",
            "charging.ocpi.enum",
        ),
        (
            lambda d: d["evses"][0]["connectors"][0].update(max_electric_power=-120000),
            "evses.0.connectors.0.max_electric_power",
            "charging.ocpi.not_positive",
        ),
        (
            lambda d: d["evses"][0]["connectors"][0].update(max_voltage=0),
            "evses.0.connectors.0.max_voltage",
            "charging.ocpi.not_positive",
        ),
        (
            lambda d: d["evses"][0].update(evse_id="not an evse id"),
            "evses.0.evse_id",
            "charging.ocpi.pattern",
        ),
        (
            lambda d: d["evses"][0].update(connectors=[]),
            "evses.0.connectors",
            "charging.ocpi.empty",
        ),
        (lambda d: d.update(time_zone="Mars/Olympus"), "time_zone", "charging.ocpi.time_zone"),
        (lambda d: d.update(id="OTHER-ID"), "id", "charging.ocpi.path_mismatch"),
        (
            lambda d: d.update(last_updated=stamp(later(60 * 24))),
            "last_updated",
            "charging.ocpi.future",
        ),
        (lambda d: d.pop("address"), "address", "charging.ocpi.missing"),
        (lambda d: d["evses"].append(dict(d["evses"][0])), "evses", "charging.ocpi.duplicate_evse"),
    ],
)
def test_bad_ocpi_locations_are_refused_field_by_field(
    session: Session, change: Any, field: str, code: str
) -> None:
    op = make_operator(session)
    doc = location_doc()
    change(doc)
    with pytest.raises(OcpiInvalid) as refused:
        registry.upsert_location(session, op.actor, "CN", "TLD", "SH-XH-0001", doc, now=later(1))
    assert problems(refused).get(field) == code, refused.value.problems
    assert session.scalar(select(func.count()).select_from(ChargingLocation)) == 0


def test_a_patch_cannot_null_what_ocpi_requires(session: Session) -> None:
    op = make_operator(session)
    put(session, op.actor, location_doc(evses=[ac_evse("A")]))
    with pytest.raises(OcpiInvalid) as refused:
        registry.patch_evse(
            session,
            op.actor,
            "CN",
            "TLD",
            "SH-XH-0001",
            "A",
            {"status": None, "last_updated": stamp(later(2))},
        )
    assert problems(refused) == {"status": "charging.ocpi.required"}
    with pytest.raises(OcpiInvalid) as missing:
        registry.patch_evse(
            session, op.actor, "CN", "TLD", "SH-XH-0001", "A", {"status": "CHARGING"}
        )
    assert problems(missing) == {"last_updated": "charging.ocpi.missing"}
