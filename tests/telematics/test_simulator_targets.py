"""The simulator's other ways in: the HTTP batch endpoint with each device's secret, MQTT 5 through
the local Mosquitto and the ingest worker, the `carecover simulate` command, and the live feed
that `carecover serve` runs. Each ends with the alerts raised against the fault ledger."""

from __future__ import annotations

import json
import socket
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from carecover.entrypoints.cli import app as cli_app
from carecover.platform.clock import utc_now
from carecover.platform.config import get_settings
from carecover.platform.crypto import get_cipher
from carecover.platform.db import get_database
from carecover.platform.db.session import Database
from carecover.telematics.models import Device, Reading
from carecover.telematics.service import simulator_fleet, simulator_run
from carecover.telematics.service.mqtt import MqttIngestWorker
from carecover.telematics.service.simulator import Scenario, Simulation
from carecover.telematics.service.simulator_faults import FaultKind
from carecover.vehicles.enums import Powertrain
from tests.dbutil import DatabaseFactory
from tests.factories.customers import make_vehicle

MIX = (Powertrain.bev, Powertrain.ice, Powertrain.hev)
LOCALES = Path(__file__).parents[2] / "src/carecover/telematics/locales"


def _broker_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 1883), timeout=1):
            return True
    except OSError:
        return False


def _cars(session: Session, n: int) -> list[uuid.UUID]:
    return [make_vehicle(session, powertrain=MIX[i % len(MIX)]).id for i in range(n)]


def test_http_devices_post_batches_with_their_own_secrets(
    client: TestClient, session: Session
) -> None:
    vehicles = _cars(session, 3)
    fleet = simulator_fleet.pick(session, count=3, include=vehicles, seed=4)
    assert all(car.secret for car in fleet)
    now = utc_now()
    scenario = Scenario(
        [c.spec for c in fleet], now - timedelta(minutes=90), now, faults=[FaultKind.crash]
    )
    simulation = Simulation(scenario)

    def post(path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        response = client.post(path, content=body, headers=headers)
        return response.status_code, response.content

    secrets = {c.spec.device_no: c.secret or "" for c in fleet}
    target = simulator_run.HttpTarget(secrets, post=post, encoding="msgpack")
    stats = simulator_run.run(simulation, target, batch_readings=300)
    assert stats.errors == stats.rejected == stats.duplicates == 0
    assert stats.accepted == stats.readings > 50
    stored = session.scalar(select(func.count()).select_from(Reading))
    assert stored == stats.readings
    result = simulator_fleet.reconcile(session, fleet, simulation.ledger, scenario.start)
    assert result.ok, (result.missing, result.repeated, result.false_positives)
    assert [f.kind for f, _ in result.matched] == [FaultKind.crash]
    wrong = simulator_run.HttpTarget({k: "wrong" for k in secrets}, post=lambda *a: (401, b""))
    refused = simulator_run.RunStats()
    wrong.send({fleet[0].spec.device_no: [{"seq": 1}]}, refused)
    assert refused.errors == 1


@pytest.mark.skipif(not _broker_up(), reason="no MQTT broker on 127.0.0.1:1883")
def test_mqtt_devices_through_the_broker_and_the_ingest_worker(fresh_db: Database) -> None:
    with fresh_db.session() as session, session.begin():
        vehicles = _cars(session, 4)
        fleet = simulator_fleet.pick(session, count=4, include=vehicles, seed=6)
    now = utc_now()
    kinds = [FaultKind.misfire, FaultKind.low_12v]
    scenario = Scenario([c.spec for c in fleet], now - timedelta(minutes=90), now, faults=kinds)
    simulation = Simulation(scenario)
    worker = MqttIngestWorker(fresh_db.session, group=f"sim-{uuid.uuid4().hex[:8]}")
    worker.start()
    try:
        target = simulator_run.MqttTarget(encoding="msgpack")
        stats = simulator_run.run(simulation, target, batch_readings=200)
        assert stats.errors == 0
        assert stats.accepted == stats.readings  # the broker acknowledged every one
        deadline, stored = time.monotonic() + 30, 0
        while time.monotonic() < deadline and stored < stats.readings:
            time.sleep(0.2)
            with fresh_db.session() as session:
                stored = int(session.scalar(select(func.count()).select_from(Reading)) or 0)
    finally:
        worker.stop()
    assert stored == stats.readings
    with fresh_db.session() as session:
        result = simulator_fleet.reconcile(session, fleet, simulation.ledger, scenario.start)
    assert result.ok, (result.missing, result.repeated, result.false_positives)
    assert sorted(f.kind for f, _ in result.matched) == sorted(kinds)


@pytest.fixture
def cli_world(db_factory: DatabaseFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = db_factory.fresh()
    db = Database(url)
    with db.session() as session, session.begin():
        _cars(session, 6)
    db.dispose()
    monkeypatch.setenv("CARECOVER_DATABASE_URL", url)
    monkeypatch.setenv("CARECOVER_DEFAULT_LANGUAGE", "en")
    for cached in (get_settings, get_database, get_cipher):
        cached.cache_clear()
    yield url
    get_database().dispose()
    for cached in (get_settings, get_database, get_cipher):
        cached.cache_clear()


def test_the_simulate_command_prints_the_ledger_and_the_alerts(cli_world: str) -> None:
    runner = CliRunner()
    args = ["simulate", "--vehicles", "5", "--cities", "上海", "--minutes", "90", "--fast"]
    result = runner.invoke(cli_app, [*args, "--faults", "crash,low_12v", "--check"])
    assert result.exit_code == 0, result.output
    assert "5 cars in 上海市 (5 new devices registered)" in result.output
    assert "Fault ledger" in result.output
    assert "2 raised for 2 detectable of 2 injected" in result.output
    assert "false positives 0" in result.output
    again = runner.invoke(cli_app, [*args, "--faults", "none", "--check"])
    assert again.exit_code == 0, again.output
    assert "1 cars in 上海市" in again.output  # the one car left without a device
    none_left = runner.invoke(cli_app, args)
    assert none_left.exit_code == 1
    assert "No cars to drive here" in none_left.output
    bad = runner.invoke(cli_app, [*args, "--speed", "warp"])
    assert bad.exit_code == 2
    unknown = runner.invoke(cli_app, [*args, "--faults", "meteor"])
    assert unknown.exit_code == 2


def test_the_live_feed_streams_at_real_time_until_stopped(fresh_db: Database) -> None:
    with fresh_db.session() as session, session.begin():
        _cars(session, 2)
    feed = simulator_run.LiveFeed(fresh_db, 2)
    feed.start()
    try:
        deadline, stored = time.monotonic() + 15, 0
        while time.monotonic() < deadline and stored < 2:
            time.sleep(0.3)
            with fresh_db.session() as session:
                stored = int(session.scalar(select(func.count()).select_from(Reading)) or 0)
    finally:
        feed.stop()
    assert stored >= 2
    assert feed.stats is not None
    with fresh_db.session() as session:
        assert session.scalar(select(func.count()).select_from(Device)) == 2
        newest = session.scalar(select(func.max(Reading.device_time)))
    assert newest is not None


def test_the_simulator_speaks_both_languages() -> None:
    en = json.loads((LOCALES / "en/simulator.json").read_text(encoding="utf-8"))
    zh = json.loads((LOCALES / "zh-CN/simulator.json").read_text(encoding="utf-8"))
    assert set(en) == set(zh)
    assert all(f"cli.simulate.fault.{kind.value}" in en for kind in FaultKind)
