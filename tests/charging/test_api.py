"""The charging API over HTTP: the OCPI receiver (envelope, 201/200, a location read back as it
was put, stale and invalid updates as problem documents with OCPI status codes, another party
refused), finding a charger, reporting a failure, registering a party."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from carecover.charging.events import ChargingFailureReported
from carecover.charging.models import ChargingLocation, Tariff
from carecover.platform.auth.roles import Role
from carecover.platform.clock import utc_now
from carecover.platform.events.models import OutboxMessage
from carecover.vehicles.enums import Powertrain
from tests.accounts.test_api import PROBLEM, sign_in
from tests.charging.builders import dc_evse, location_doc, make_operator, stamp
from tests.factories.accounts import make_user
from tests.factories.customers import make_customer, make_vehicle
from tests.factories.partners import XUHUI

BASE = "/api/v1/ocpi/2.2.1"
URL = f"{BASE}/locations/CN/TLD/SH-XH-0001"


def fresh_doc(minutes_ago: float = 5, **kw: object) -> dict[str, object]:
    from datetime import timedelta

    at = utc_now().replace(microsecond=0) - timedelta(minutes=minutes_ago)
    return location_doc(at=at, evses=[dc_evse("SH-XH-0001-1", at=at)], **kw)  # type: ignore[arg-type]


def test_ocpi_location_round_trip_over_http(client: TestClient, session: Session) -> None:
    op = make_operator(session, username="ocpi.tld")
    headers = sign_in(client, "ocpi.tld")
    doc = fresh_doc()
    created = client.put(URL, headers=headers, json=doc)
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["status_code"], body["status_message"]) == (1000, "Success")
    assert body["timestamp"].endswith("Z")
    again = client.put(URL, headers=headers, json=doc)
    assert again.status_code == 200
    read = client.get(URL, headers=headers).json()["data"]
    assert read == body["data"]
    assert read["evses"] == doc["evses"]
    assert {k: read[k] for k in ("id", "name", "address", "time_zone", "last_updated")} == {
        k: doc[k] for k in ("id", "name", "address", "time_zone", "last_updated")
    }
    patched = client.patch(
        f"{URL}/SH-XH-0001-1",
        headers=headers,
        json={"status": "CHARGING", "last_updated": stamp(utc_now().replace(microsecond=0))},
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["data"]["status"] == "CHARGING"
    stale = client.patch(
        f"{URL}/SH-XH-0001-1",
        headers=headers,
        json={"status": "AVAILABLE", "last_updated": doc["last_updated"]},
    )
    assert stale.status_code == 409
    assert stale.headers["content-type"] == PROBLEM
    problem = stale.json()
    assert (problem["code"], problem["status_code"]) == ("charging_stale_update", 2000)
    assert problem["sent_last_updated"] == doc["last_updated"]
    assert client.get(URL, headers=headers).json()["data"]["evses"][0]["status"] == "CHARGING"
    unknown = client.patch(
        f"{URL}/NOPE",
        headers=headers,
        json={"status": "CHARGING", "last_updated": doc["last_updated"]},
    )
    assert (unknown.status_code, unknown.json()["status_code"]) == (404, 2003)
    assert op.party.party_id == "TLD"


def test_invalid_ocpi_is_a_problem_document_in_the_callers_language(
    client: TestClient, session: Session
) -> None:
    make_operator(session, username="ocpi.bad")
    headers = sign_in(client, "ocpi.bad")
    doc = fresh_doc()
    doc["coordinates"] = {"latitude": "95.000000", "longitude": "121.437000"}
    doc["evses"][0]["connectors"][0]["standard"] = "GBT_XX"  # type: ignore[index]
    doc["evses"][0]["connectors"][0]["max_electric_power"] = -60000  # type: ignore[index]
    r = client.put(URL, headers={**headers, "Accept-Language": "en"}, json=doc)
    assert r.status_code == 422
    assert r.headers["content-type"] == PROBLEM
    body = r.json()
    assert (body["code"], body["status_code"]) == ("charging_ocpi_invalid", 2001)
    where = {".".join(e["loc"][1:]): e for e in body["errors"]}
    assert where["coordinates"]["msg"] == "Latitude 95.000000 is out of range (−90 to 90)."
    assert where["evses.0.connectors.0.standard"]["type"] == "charging.ocpi.enum"
    assert where["evses.0.connectors.0.max_electric_power"]["type"] == "charging.ocpi.not_positive"
    zh = client.put(URL, headers={**headers, "Accept-Language": "zh-CN"}, json=doc).json()
    assert {e["msg"] for e in zh["errors"]} >= {"纬度 95.000000 超出范围（−90 至 90）。"}
    broken = client.put(
        URL, headers={**headers, "Content-Type": "application/json"}, content=b"{not json"
    )
    assert (broken.status_code, broken.json()["errors"][0]["type"]) == (422, "charging.ocpi.json")
    assert session.scalar(select(func.count()).select_from(ChargingLocation)) == 0


def test_tariff_prices_arrive_exact_and_fractional_fen_is_refused(
    client: TestClient, session: Session
) -> None:
    make_operator(session, username="ocpi.tariff")
    headers = {**sign_in(client, "ocpi.tariff"), "Content-Type": "application/json"}
    at = stamp(utc_now().replace(microsecond=0))
    text = (
        '{"country_code":"CN","party_id":"TLD","id":"DC-STD","currency":"CNY","elements":'
        '[{"price_components":[{"type":"ENERGY","price":PRICE,"step_size":1}]}],'
        f'"last_updated":"{at}"}}'
    )
    ok = client.put(
        f"{BASE}/tariffs/CN/TLD/DC-STD", headers=headers, content=text.replace("PRICE", "0.29")
    )
    assert ok.status_code == 201, ok.text
    assert ok.json()["data"]["elements"][0]["price_components"][0]["price"] == 0.29
    stored = session.scalars(select(Tariff)).one()
    assert stored.elements[0]["price_components"][0]["price_fen"] == 29
    bad = client.put(
        f"{BASE}/tariffs/CN/TLD/DC-STD",
        headers={**headers, "Accept-Language": "en"},
        content=text.replace("PRICE", "0.855"),
    )
    assert bad.status_code == 422
    [error] = bad.json()["errors"]
    assert error["loc"] == ["body", "elements", "0", "price_components", "0", "price"]
    assert error["msg"].startswith("0.855 CNY is not a whole number of fen")
    session.refresh(stored)
    assert stored.elements[0]["price_components"][0]["price_fen"] == 29  # nothing lost


def test_only_the_partys_operator_may_write(client: TestClient, session: Session) -> None:
    make_operator(session, "TLD", username="ocpi.mine")
    make_operator(session, "XXC", username="ocpi.other")
    make_user(session, role=Role.owner, username="ocpi.owner")
    doc = fresh_doc()
    for name in ("ocpi.other", "ocpi.owner"):
        r = client.put(URL, headers=sign_in(client, name), json=doc)
        assert r.status_code == 403, name
        assert (r.json()["code"], r.json()["status_code"]) == ("charging_party_not_yours", 2000)
    assert client.put(URL, json=doc).status_code == 401
    assert session.scalar(select(func.count()).select_from(ChargingLocation)) == 0
    assert client.put(URL, headers=sign_in(client, "ocpi.mine"), json=doc).status_code == 201
    assert client.get(URL, headers=sign_in(client, "ocpi.other")).status_code == 403


def test_find_a_charger_and_report_a_failure(client: TestClient, session: Session) -> None:
    make_operator(session, username="ocpi.find")
    assert (
        client.put(URL, headers=sign_in(client, "ocpi.find"), json=fresh_doc()).status_code == 201
    )
    user = make_user(session, role=Role.owner, username="ev.owner")
    car = make_vehicle(session, owner=make_customer(session, user=user), powertrain=Powertrain.bev)
    headers = sign_in(client, "ev.owner")
    found = client.get(
        "/api/v1/chargers/nearest",
        headers=headers,
        params={"lat": 31.2, "lng": 121.45, "standard": "GBT_DC"},
    )
    assert found.status_code == 200, found.text
    [hit] = found.json()
    assert (hit["available_evses"], hit["best_power_kw"], hit["standards"]) == (
        1,
        120.0,
        ["GBT_DC"],
    )
    assert hit["distance_km"] > 1.5
    bad = client.get(
        "/api/v1/chargers/nearest",
        headers={**headers, "Accept-Language": "en"},
        params={"lat": 131.2, "lng": 121.45, "min_power_kw": -1},
    )
    assert bad.status_code == 422
    assert {e["loc"][-1] for e in bad.json()["errors"]} == {"lat", "min_power_kw"}
    detail = client.get(f"/api/v1/chargers/{hit['location_id']}", headers=headers).json()
    assert [e["status"] for e in detail["evses"]] == ["AVAILABLE"]
    assert detail["evses"][0]["connectors"][0]["power_kw"] == 120.0
    report = {
        "vehicle_id": str(car.id),
        "location_id": hit["location_id"],
        "evse_uid": "SH-XH-0001-1",
        "reason": "charger_fault",
    }
    first = client.post("/api/v1/chargers/failures", headers=headers, json=report)
    assert first.status_code == 201, first.text
    assert first.json()["free_tow"] is True
    second = client.post(
        "/api/v1/chargers/failures", headers=headers, json={**report, "reason": "no_power"}
    )
    assert (second.status_code, second.json()["id"]) == (200, first.json()["id"])
    events = session.scalars(
        select(OutboxMessage).where(OutboxMessage.event_type == ChargingFailureReported.event_type)
    ).all()
    assert [json.dumps(e.payload["failure_id"]) for e in events] == [json.dumps(first.json()["id"])]
    assert (
        client.get(f"/api/v1/chargers/{hit['location_id']}", headers=headers).json()["evses"][0][
            "status"
        ]
        == "UNKNOWN"
    )
    assert XUHUI


def test_network_management_registers_parties(client: TestClient, session: Session) -> None:
    op = make_operator(session, "TLD", username="party.op")
    make_user(session, role=Role.network_manager, username="party.nm")
    body = {"partner_id": str(op.partner.id)}
    nm = sign_in(client, "party.nm")
    assert client.put("/api/v1/chargers/parties/CN/TLD", headers=nm, json=body).status_code == 200
    fresh = client.put("/api/v1/chargers/parties/cn/abc", headers=nm, json=body)
    assert (fresh.status_code, fresh.json()["party_id"]) == (201, "ABC")
    other = make_operator(session, "STC")
    taken = client.put(
        "/api/v1/chargers/parties/CN/ABC", headers=nm, json={"partner_id": str(other.partner.id)}
    )
    assert (taken.status_code, taken.json()["code"]) == (409, "charging_party_taken")
    assert (
        client.put(
            "/api/v1/chargers/parties/CN/ZZZ", headers=sign_in(client, "party.op"), json=body
        ).status_code
        == 403
    )
