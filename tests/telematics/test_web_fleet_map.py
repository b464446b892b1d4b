"""The staff live fleet map (positions coloured by the worst open alert, JSON for the map, the
alert stream fragment) and one car's history (a day of readings charted, alerts, requests,
devices), in both languages; staff only."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from carecover.platform.auth.roles import Role
from carecover.platform.clock import ensure_utc, utc_now
from carecover.telematics.models import VehicleState
from carecover.telematics.service import care
from carecover.telematics.service.care import BEIJING, CareKind
from carecover.telematics.web import staff_fleet
from tests.accounts.test_web import web_sign_in
from tests.factories.accounts import make_user
from tests.factories.claims import make_insured
from tests.factories.partners import XUHUI, make_partner
from tests.telematics.test_alerts import NEAR, puncture
from tests.telematics.test_care import alerts_of
from tests.telematics.test_web_battery import lang


def test_staff_see_the_live_map_with_the_worst_open_alert(
    client: TestClient, session: Session
) -> None:
    make_partner(session, location=XUHUI)
    insured = make_insured(session)
    alerts_of(session, insured, puncture())
    quiet_car = make_insured(session)
    make_user(session, role=Role.dispatcher, username="map.staff")
    assert web_sign_in(client, "map.staff").status_code == 303
    page = client.get("/staff/telematics/map")
    assert page.status_code == 200
    assert 'data-fleet-map data-source="/staff/telematics/map.json"' in page.text
    assert 'data-testid="no-tiles"' in page.text  # no tile server configured in tests
    assert 'hx-get="/staff/telematics/map/stream"' in page.text
    assert 'data-code="tyre_puncture"' in page.text
    assert "车队实时地图" in page.text

    data = client.get("/staff/telematics/map.json").json()
    assert data["tiles"] is None
    mine = [m for m in data["markers"] if m["vin"] == insured.car.vin]
    assert len(mine) == 1
    assert (mine[0]["lat"], mine[0]["lng"]) == NEAR
    assert mine[0]["severity"] == "urgent"
    assert mine[0]["colour"] == "#b91c1c"
    assert mine[0]["url"] == f"/staff/telematics/vehicles/{insured.car.id}"
    assert all(m["vin"] != quiet_car.car.vin for m in data["markers"])  # no position, no marker
    assert data["counts"]["urgent"] >= 1

    stream = client.get("/staff/telematics/map/stream")
    assert 'data-testid="fleet-stream"' in stream.text
    assert f"/staff/telematics/vehicles/{insured.car.id}" in stream.text
    lang(client, "en", "/staff/telematics")
    english = client.get("/staff/telematics/map")
    assert "Live fleet map" in english.text
    assert "blank background" in english.text
    assert "Live fleet map" in client.get("/staff/telematics").text  # the stream links the map


def test_the_vehicle_history_charts_a_day_of_readings(client: TestClient, session: Session) -> None:
    make_partner(session, location=XUHUI)
    insured = make_insured(session)
    alerts_of(session, insured, puncture())
    care.request(session, insured.actor, insured.car.id, CareKind.rescue)
    state = session.get(VehicleState, insured.car.id)
    assert state is not None
    day = ensure_utc(state.device_time).astimezone(BEIJING).date()
    make_user(session, role=Role.customer_ops, username="history.staff")
    web_sign_in(client, "history.staff")
    url = f"/staff/telematics/vehicles/{insured.car.id}"
    page = client.get(url, params={"day": day.isoformat()})
    assert page.status_code == 200
    assert "11" in re.search(r'data-testid="history-count">([^<]+)<', page.text).group(1)  # type: ignore[union-attr]
    for key in ("speed", "tyres"):
        assert f'data-testid="history-chart-{key}"' in page.text
    chart = re.search(r"data-testid=\"history-chart-tyres\" data-echart='([^']+)'", page.text)
    assert chart is not None
    option = json.loads(chart.group(1).replace("&#34;", '"').replace("&amp;", "&"))
    assert len(option["series"]) == 4
    assert min(p[1] for p in option["series"][0]["data"]) < 200  # the front-left tyre's leak
    assert 'data-code="tyre_puncture"' in page.text
    assert 'data-kind="rescue"' in page.text
    assert insured.car.vin in page.text
    assert "车辆历史" in page.text
    empty = client.get(url, params={"day": "2020-01-01"})
    assert 'data-testid="history-empty"' in empty.text
    lang(client, "en", "/staff/telematics")
    assert "Vehicle history" in client.get(url).text  # default: the day of the latest reading
    assert (
        client.get("/staff/telematics/vehicles/00000000-0000-0000-0000-000000000000").status_code
        == 404
    )


def test_owners_and_partners_cannot_open_the_fleet_views(
    client: TestClient, session: Session
) -> None:
    insured = make_insured(session, username="map.owner")
    web_sign_in(client, "map.owner")
    for path in (
        "/staff/telematics/map",
        "/staff/telematics/map.json",
        "/staff/telematics/map/stream",
        f"/staff/telematics/vehicles/{insured.car.id}",
    ):
        assert client.get(path).status_code == 403, path
    client.cookies.clear()
    make_user(session, role=Role.partner_staff, username="map.partner")
    web_sign_in(client, "map.partner")
    assert client.get("/staff/telematics/map.json").status_code == 403


def test_a_long_day_is_thinned_in_the_database(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_partner(session, location=XUHUI)
    insured = make_insured(session)
    alerts_of(session, insured, puncture())
    monkeypatch.setattr(staff_fleet, "MAX_POINTS", 4)
    start = utc_now() - timedelta(days=1)
    rows, total = staff_fleet.day_readings(session, insured.car.id, start, utc_now())
    assert total == 11
    assert len(rows) == 4  # every third: 0, 3, 6, 9
    assert [r.device_time for r in rows] == sorted(r.device_time for r in rows)
